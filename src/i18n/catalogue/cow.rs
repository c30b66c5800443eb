//! The messages of `memlab cow`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.touch_faults_once_per_page" => "touching each page of a new region takes one page fault per page",
        "新しい領域の各ページに初めて触れると、ページごとに1回ページフォルトが起きる";
    "check.touch_faults_per_page_size" => "with huge pages, touching a region takes one fault per huge page",
        "ヒュージページでは、領域に触れたときのページフォルトはヒュージページ1つにつき1回になる";
    "check.fork_copies_no_data" => "fork() copies only the page tables: system memory grows by a few hundred KiB, not by the parent's size",
        "「fork()システムコールの実行後、かつ子プロセスによるメモリアクセス前のメモリ使用量は数百Kバイトしか増えていない」";
    "check.rss_counts_shared_pages_in_both" => "memory shared by parent and child is counted in each process's RSS",
        "「親プロセスと子プロセスで共有されているメモリはそれぞれのプロセスにおいて二重計上される」";
    "check.pss_splits_shared_pages" => "PSS splits each shared page between the processes that share it",
        "PSS では共有されたページが、共有するプロセスの間で等分に数えられる";
    "check.child_write_faults_once_per_page" => "the child's first write to each shared page is a page fault that copies it",
        "子プロセスが共有ページに初めて書き込むと、ページフォルトが起きてそのページがコピーされる（コピーオンライト）";
    "check.writes_grow_used_by_size" => "after the child writes every page, system memory has grown by the size",
        "「子プロセスによるメモリアクセス後にはページフォルトの数が増えており、かつ、システムのメモリ使用量が100Mバイト増えている」";
    "check.read_adds_no_faults" => "reading pages shared after fork takes no page faults",
        "fork() 後に共有されたページを読むだけなら、ページフォルトは起きない";
    "check.read_adds_no_memory" => "reading pages shared after fork copies nothing",
        "fork() 後に共有されたページを読むだけなら、物理メモリは増えない";
    "check.shared_faults_only_map" => "a MAP_SHARED region is not copied: the child's faults only map the pages",
        "MAP_SHARED の領域はコピーされない。子プロセスのページフォルトはページを対応付けるだけ";
    "check.shared_copies_nothing" => "writing a MAP_SHARED region after fork copies nothing",
        "fork() 後に MAP_SHARED の領域へ書き込んでも、物理メモリは増えない";
    "check.child_writes_stay_private" => "the child's writes to a private mapping are not seen by the parent",
        "子プロセスがプライベートなマッピングに書き込んだ内容は、親プロセスからは見えない";
    "check.parent_sees_child_writes" => "the child's writes to a MAP_SHARED region are seen by the parent",
        "子プロセスが MAP_SHARED の領域に書き込んだ内容は、親プロセスから見える";
    "check.getrusage_agrees_with_proc" => "getrusage() and /proc/PID/stat count the same page faults",
        "getrusage() と /proc/PID/stat は同じページフォルトの数を示す";
}
