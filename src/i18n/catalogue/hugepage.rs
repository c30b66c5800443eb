//! The messages of `memlab hugepage`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.base_pages_fault_once_per_page" => "with base pages, one page fault per 4 KiB page",
        "通常のページでは、4 KiB のページ1つにつきページフォルトが1回起きる";
    "check.thp_needs_far_fewer_faults" => "transparent huge pages need far fewer page faults",
        "透過的ヒュージページでは、ページフォルトがずっと少なくて済む";
    "check.hugetlb_needs_far_fewer_faults" => "hugetlb pages need far fewer page faults",
        "hugetlb のヒュージページでは、ページフォルトがずっと少なくて済む";
    "check.hugetlb_needs_far_fewer_page_table_bytes" => "hugetlb pages need far fewer page-table bytes",
        "hugetlb のヒュージページでは、ページテーブルに使うメモリがずっと少なくて済む";
    "check.thp_page_tables_are_the_deposit" => "a transparent huge page keeps one page-table page in reserve",
        "透過的ヒュージページは、ページテーブルのページを1つ予備として確保している";
    "check.thp_fork_is_faster" => "fork() of a process backed by huge pages is faster",
        "ヒュージページを使うプロセスの fork() は速い";
    "check.hugetlb_fork_is_faster" => "fork() of a process backed by hugetlb pages is faster",
        "hugetlb のヒュージページを使うプロセスの fork() は速い";
}
