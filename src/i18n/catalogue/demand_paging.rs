//! The messages of `memlab demand-paging`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.vsz_grows_by_size_on_reserve" => "mmap() enlarges the virtual address space by the size at once",
        "mmap() を呼ぶと、仮想アドレス空間はその大きさだけすぐに増える";
    "check.rss_flat_on_reserve" => "reserving memory gives no physical memory yet",
        "メモリを確保しただけでは、物理メモリはまだ割り当てられない";
    "check.system_used_flat_on_reserve" => "reserving memory does not raise the system's used memory",
        "メモリを確保しただけでは、システムのメモリ使用量は増えない";
    "check.vsz_flat_while_touching" => "touching the pages does not change the virtual address space",
        "ページに触れても、仮想アドレス空間の大きさは変わらない";
    "check.rss_rises_at_rate" => "physical memory grows page by page as the pages are touched",
        "ページに触れるにつれて、物理メモリが1ページずつ割り当てられていく（デマンドページング）";
    "check.system_used_rises_at_rate" => "the system's used memory grows as the pages are touched",
        "ページに触れるにつれて、システムのメモリ使用量が増えていく";
    "check.faults_once_per_page" => "the first touch of each page is one page fault",
        "各ページに初めて触れたときに、ページフォルトが1回起きる";
    "check.faults_per_huge_page" => "with huge pages, one page fault per huge page",
        "ヒュージページでは、ヒュージページ1つにつきページフォルトが1回起きる";
    "check.rss_up_by_size_after_touching" => "after every page is touched, RSS has grown by the size",
        "すべてのページに触れた後、RSS はその大きさだけ増えている";
    "check.rss_flat_after_touching" => "once every page is touched, RSS stays where it is",
        "すべてのページに触れた後は、RSS はそれ以上増えない";
    "check.system_used_flat_after_touching" => "once every page is touched, the system's used memory stays where it is",
        "すべてのページに触れた後は、システムのメモリ使用量はそれ以上増えない";
    "check.system_used_back_after_exit" => "when the process ends, its memory is given back",
        "プロセスが終わると、そのメモリは解放される";
}
