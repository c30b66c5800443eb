//! The messages of `memlab segv`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.killed_by_sigsegv" => "an access to memory the process may not touch ends it with a segmentation fault ({target})",
        "プロセスが触れてはいけないメモリにアクセスすると、SIGSEGV で強制終了される（{target}）";
    "check.si_code" => "the kernel tells why the access was refused ({target})",
        "カーネルはアクセスを拒んだ理由を伝える（{target}）";
    "check.si_addr" => "the kernel tells the address that was refused ({target})",
        "カーネルは拒んだアクセスのアドレスを伝える（{target}）";
    "check.after_line_never_printed" => "the process ends at the access: nothing after it runs ({target})",
        "プロセスはそのアクセスで終わり、その後の行は実行されない（{target}）";
    "check.no_core_dump" => "no core dump is written ({target})",
        "コアダンプは書き出されない（{target}）";
}
