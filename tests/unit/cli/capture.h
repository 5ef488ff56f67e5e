// A FILE* whose bytes a test can read back (open_memstream).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

struct Capture {
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ~Capture() {
        fclose(f);
        free(buf);
    }
    std::string text() {
        fflush(f);
        return std::string(buf, len);
    }
};
