//! The messages of `memlab oom`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.virtual_mmap_fails_with_enomem" => "reserving more virtual memory than allowed fails with ENOMEM",
        "許された以上の仮想メモリを確保しようとすると、ENOMEM で失敗する";
    "check.virtual_enomem_at_the_limit" => "mmap() fails at the limit",
        "mmap() は上限のところで失敗する";
    "check.virtual_child_survives" => "a failed reservation does not kill the process",
        "確保に失敗しても、プロセスは強制終了されない";
    "check.physical_child_killed_by_sigkill" => "running out of physical memory kills a process with SIGKILL (OOM killer)",
        "物理メモリが足りなくなると、OOM killer がプロセスを SIGKILL で強制終了する";
    "check.physical_killed_at_the_limit" => "the process is killed at the limit",
        "プロセスは上限のところで強制終了される";
    "check.oom_kill_counted" => "the kernel counts the OOM kill",
        "カーネルは OOM killer による強制終了を数えている";
    "check.memory_returned" => "the killed process's memory is given back",
        "強制終了されたプロセスのメモリは解放される";
    "check.cgroup_removed" => "memlab's cgroup is removed afterwards",
        "memlab が作った cgroup は後で削除される";
}
