//! The messages of `memlab swap`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.pageout_moves_pages_to_swap" => "under memory pressure, pages move out to swap",
        "メモリが足りなくなると、ページがスワップに追い出される";
    "check.pageout_rss_falls" => "the process's RSS falls as its pages are swapped out",
        "ページがスワップアウトされると、プロセスの RSS は減る";
    "check.pageout_counted_in_vmstat" => "the kernel counts the pages swapped out",
        "カーネルはスワップアウトしたページを数えている";
    "check.swapin_is_a_major_fault" => "touching a swapped-out page is a major page fault",
        "スワップアウトされたページに触れると、メジャーページフォルトが起きる";
    "check.swapin_costs_more_than_minor" => "a swap-in costs more than a minor page fault",
        "スワップインは、マイナーページフォルトより時間がかかる";
    "check.rescue_survives_with_swap" => "with swap, a process larger than memory survives",
        "スワップがあれば、メモリより大きなプロセスも強制終了されない";
    "check.rescue_reread_swaps_in" => "reading its memory again swaps the pages in",
        "そのメモリを読み直すと、ページがスワップインされる";
    "check.no_swap_is_oom_killed" => "without swap, the same process is killed (OOM)",
        "スワップがなければ、同じプロセスは強制終了される（OOM）";
}
