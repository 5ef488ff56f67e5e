#include "tools/bpffsctl/help.h"

#include "tools/bpffsctl/cli.h"

namespace bpffsctl {

int print_main_help(Cli &cli, const std::string &) {
    if (cli.json()) {
        cli.jw().null();
        return 0;
    }
    const char *bin = cli.bin_name.c_str();
    fprintf(cli.err,
            "Usage: %1$s [OPTIONS] OBJECT { COMMAND | help }\n"
            "       %1$s batch file FILE\n"
            "       %1$s version\n"
            "\n"
            "       OBJECT := { prog | map | link | cgroup | perf | net | feature | btf | gen | "
            "struct_ops | iter }\n"
            "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-l|--legacy} |\n"
            "                    {-V|--version} }\n",
            bin);
    return 0;
}

int print_map_help(Cli &cli, const std::string &object_word) {
    if (cli.json()) {
        cli.jw().null();
        return 0;
    }
    fprintf(cli.err,
            "Usage: %1$s %2$s { show | list }   [MAP]\n"
            "       %1$s %2$s create     FILE type TYPE key KEY_SIZE value VALUE_SIZE \\\n"
            "                                  entries MAX_ENTRIES name NAME [flags FLAGS] \\\n"
            "                                  [inner_map MAP] [dev NAME]\n"
            "       %1$s %2$s dump       MAP\n"
            "       %1$s %2$s update     MAP [key DATA] [value VALUE] [UPDATE_FLAGS]\n"
            "       %1$s %2$s lookup     MAP [key DATA]\n"
            "       %1$s %2$s getnext    MAP [key DATA]\n"
            "       %1$s %2$s delete     MAP  key DATA\n"
            "       %1$s %2$s pin        MAP  FILE\n"
            "       %1$s %2$s event_pipe MAP [cpu N index M]\n"
            "       %1$s %2$s peek       MAP\n"
            "       %1$s %2$s push       MAP value VALUE\n"
            "       %1$s %2$s pop        MAP\n"
            "       %1$s %2$s enqueue    MAP value VALUE\n"
            "       %1$s %2$s dequeue    MAP\n"
            "       %1$s %2$s freeze     MAP\n"
            "       %1$s %2$s help\n"
            "\n"
            "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
            "       DATA := { [hex] BYTES }\n"
            "       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }\n"
            "       VALUE := { DATA | MAP | PROG }\n"
            "       UPDATE_FLAGS := { any | exist | noexist }\n"
            "       TYPE := { hash | array | prog_array | perf_event_array | percpu_hash |\n"
            "                 percpu_array | stack_trace | cgroup_array | lru_hash |\n"
            "                 lru_percpu_hash | lpm_trie | array_of_maps | hash_of_maps |\n"
            "                 devmap | devmap_hash | sockmap | cpumap | xskmap | sockhash |\n"
            "                 cgroup_storage | reuseport_sockarray | percpu_cgroup_storage |\n"
            "                 queue | stack | sk_storage | struct_ops | ringbuf | "
            "inode_storage |\n"
            "                 task_storage | bloom_filter | user_ringbuf }\n"
            "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-l|--legacy} |\n"
            "                    {-f|--bpffs} | {-n|--nomount} }\n",
            cli.bin_name.c_str(), object_word.c_str());
    return 0;
}

int print_prog_help(Cli &cli, const std::string &object_word) {
    if (cli.json()) {
        cli.jw().null();
        return 0;
    }
    fprintf(cli.err,
            "Usage: %1$s %2$s { show | list } [PROG]\n"
            "       %1$s %2$s dump xlated PROG [{ file FILE | opcodes | visual | linum }]\n"
            "       %1$s %2$s dump jited  PROG [{ file FILE | opcodes | linum }]\n"
            "       %1$s %2$s pin   PROG FILE\n"
            "       %1$s %2$s { load | loadall } OBJ  PATH \\\n"
            "                         [type TYPE] [dev NAME] \\\n"
            "                         [map { idx IDX | name NAME } MAP]\\\n"
            "                         [pinmaps MAP_DIR]\n"
            "       %1$s %2$s attach PROG ATTACH_TYPE [MAP]\n"
            "       %1$s %2$s detach PROG ATTACH_TYPE [MAP]\n"
            "       %1$s %2$s run PROG \\\n"
            "                         data_in FILE \\\n"
            "                         [data_out FILE [data_size_out L]] \\\n"
            "                         [ctx_in FILE [ctx_out FILE [ctx_size_out M]]] \\\n"
            "                         [repeat N]\n"
            "       %1$s %2$s profile PROG [duration DURATION] METRICs\n"
            "       %1$s %2$s tracelog\n"
            "       %1$s %2$s help\n"
            "\n"
            "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
            "       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }\n"
            "       TYPE := { socket | kprobe | kretprobe | classifier | action |\n"
            "                 tracepoint | raw_tracepoint | xdp | perf_event | cgroup/skb |\n"
            "                 cgroup/sock | cgroup/dev | lwt_in | lwt_out | lwt_xmit |\n"
            "                 lwt_seg6local | sockops | sk_skb | sk_msg | lirc_mode2 |\n"
            "                 sk_reuseport | flow_dissector | cgroup/sysctl |\n"
            "                 cgroup/bind4 | cgroup/bind6 | cgroup/post_bind4 |\n"
            "                 cgroup/post_bind6 | cgroup/connect4 | cgroup/connect6 |\n"
            "                 cgroup/getpeername4 | cgroup/getpeername6 |\n"
            "                 cgroup/getsockname4 | cgroup/getsockname6 | cgroup/sendmsg4 |\n"
            "                 cgroup/sendmsg6 | cgroup/recvmsg4 | cgroup/recvmsg6 |\n"
            "                 cgroup/getsockopt | cgroup/setsockopt | cgroup/sock_release |\n"
            "                 struct_ops | fentry | fexit | freplace | sk_lookup }\n"
            "       ATTACH_TYPE := { sk_msg_verdict | sk_skb_verdict | sk_skb_stream_verdict |\n"
            "                        sk_skb_stream_parser | flow_dissector }\n"
            "       METRIC := { cycles | instructions | l1d_loads | llc_misses | itlb_misses | "
            "dtlb_misses }\n"
            "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-l|--legacy} |\n"
            "                    {-f|--bpffs} | {-m|--mapcompat} | {-n|--nomount} |\n"
            "                    {-L|--use-loader} }\n",
            cli.bin_name.c_str(), object_word.c_str());
    return 0;
}

int print_btf_help(Cli &cli, const std::string &object_word) {
    if (cli.json()) {
        cli.jw().null();
        return 0;
    }
    fprintf(cli.err,
            "Usage: %1$s %2$s { show | list } [id BTF_ID]\n"
            "       %1$s %2$s dump BTF_SRC [format FORMAT]\n"
            "       %1$s %2$s help\n"
            "\n"
            "       BTF_SRC := { id BTF_ID | prog PROG | map MAP [{key | value | kv | all}] | "
            "file FILE }\n"
            "       FORMAT  := { raw | c }\n"
            "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
            "       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }\n"
            "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-l|--legacy} |\n"
            "                    {-B|--base-btf} }\n",
            cli.bin_name.c_str(), object_word.c_str());
    return 0;
}

int print_link_help(Cli &cli, const std::string &object_word) {
    if (cli.json()) {
        cli.jw().null();
        return 0;
    }
    fprintf(cli.err,
            "Usage: %1$s %2$s { show | list }   [LINK]\n"
            "       %1$s %2$s pin        LINK  FILE\n"
            "       %1$s %2$s detach     LINK\n"
            "       %1$s %2$s help\n"
            "\n"
            "       LINK := { id LINK_ID | pinned FILE }\n"
            "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-l|--legacy} |\n"
            "                    {-f|--bpffs} | {-n|--nomount} }\n",
            cli.bin_name.c_str(), object_word.c_str());
    return 0;
}

int print_iter_help(Cli &cli, const std::string &) {
    fprintf(cli.err,
            "Usage: %1$s %2$s pin OBJ PATH [map MAP]\n"
            "       %1$s %2$s run OBJ [map MAP]\n"
            "       %1$s %2$s help\n"
            "\n"
            "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
            "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-l|--legacy} }\n",
            cli.bin_name.c_str(), "iter");
    return 0;
}

}  // namespace bpffsctl
