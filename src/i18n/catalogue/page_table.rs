//! The messages of `memlab page-table`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.real_tables_far_smaller_than_flat" => "real page tables are far smaller than one flat table",
        "実際のページテーブルは、1段の平らな表よりずっと小さい";
    "check.flat_table_would_be_256_gib" => "one flat table for the whole address space would take 256 GiB",
        "仮想アドレス空間全体を1段の表で表すと 256 GiB が必要になる";
    "check.dense_costs_8_bytes_per_page" => "densely touched memory costs 8 bytes of page table per page",
        "ぎっしり触れたメモリでは、ページテーブルは1ページにつき8バイトになる";
    "check.sparse_2m_costs_a_table_page_per_touch" => "touches 2 MiB apart each cost one page-table page",
        "2 MiB ごとに触れると、1回ごとにページテーブルのページが1つ必要になる";
    "check.sparse_1g_costs_two_table_pages_per_touch" => "touches 1 GiB apart each cost two page-table pages",
        "1 GiB ごとに触れると、1回ごとにページテーブルのページが2つ必要になる";
}
