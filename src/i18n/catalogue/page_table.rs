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

    // ---- narration ----
    "page_table.say.flat_table" => "A flat table: {user_space} of user space / {page} pages = {entries} entries × {entry} bytes = {bytes}",
        "1段の平らな表なら: ユーザー空間 {user_space} を {page} のページに分けると {entries} 個のエントリ、1個 {entry} バイトで合計 {bytes} になります";
    "page_table.say.case" => "{name}: touching one byte every {stride} over {span} in a fresh child",
        "{name}: 新しい子プロセスで、{span} の範囲に {stride} ごとに1バイトずつ触れます";

    // ---- notes and skipped parts ----
    "page_table.note.reservation_halved" => "the kernel refused a MAP_NORESERVE reservation of {len} (ENOMEM); halving it",
        "カーネルが {len} の MAP_NORESERVE の予約を拒否しました（ENOMEM）。予約を半分にして試します";
    "page_table.note.dense_thp" => "dense-thp: {delta} KiB of VmPTE for {span} with {huge} KiB in huge pages; on x86_64 the kernel sets aside (deposits) one PTE page per transparent huge page so it can split it later, and VmPTE counts those pages although no PTE in them is used",
        "dense-thp: {span} のうち {huge} KiB がヒュージページで、VmPTE は {delta} KiB でした。x86_64 のカーネルは、あとで分割できるように透過的ヒュージページ1つにつき PTE のページを1つ取っておき（deposit）、その中の PTE は使われていなくても VmPTE はそのページを数えます";
    "page_table.note.dense_thp_unknown" => "dense-thp: {delta} KiB of VmPTE for {span} with an unknown amount (no smaps_rollup) in huge pages; on x86_64 the kernel sets aside (deposits) one PTE page per transparent huge page so it can split it later, and VmPTE counts those pages although no PTE in them is used",
        "dense-thp: {span} に対して VmPTE は {delta} KiB でした（smaps_rollup がないため、ヒュージページの量は不明です）。x86_64 のカーネルは、あとで分割できるように透過的ヒュージページ1つにつき PTE のページを1つ取っておき（deposit）、その中の PTE は使われていなくても VmPTE はそのページを数えます";
    "page_table.skip.overcommit_strict" => "sparse cases: vm.overcommit_memory is 2 (strict), where MAP_NORESERVE is ignored and a large reservation is charged in full against the commit limit; memlab does not change that setting",
        "まばらな場合: vm.overcommit_memory が 2（厳格）です。このモードでは MAP_NORESERVE は無視され、大きな予約はすべてコミット上限に計上されます。memlab はこの設定を変えません";
    "page_table.skip.thp_off" => "--thp: transparent huge pages are `{mode}` on this host, so MADV_HUGEPAGE cannot give huge pages (memlab never changes the THP mode)",
        "--thp: このホストの透過的ヒュージページは `{mode}` なので、MADV_HUGEPAGE ではヒュージページを得られません（memlab は THP のモードを変えません）";
    "page_table.skip.no_reservation" => "sparse cases: no MAP_NORESERVE reservation of at least {min} was accepted",
        "まばらな場合: {min} 以上の MAP_NORESERVE の予約が受け付けられませんでした";

    // ---- errors ----
    "page_table.err.size_floor" => "one page-table page maps 2 MiB, so less shows no page-table cost of its own",
        "ページテーブルのページ1つが 2 MiB を対応付けるので、それより小さいとページテーブル自体のコストが見えません";
    "page_table.err.reserve_too_small" => "--reserve {reserve} is too small for the sparse cases (one page every 1 GiB needs at least {min}; e.g. --reserve 64G)",
        "--reserve {reserve} はまばらな場合には小さすぎます（1 GiB ごとに1ページ触れるには {min} 以上が必要です。例: --reserve 64G）";
    "page_table.err.reserve_too_big" => "--reserve {reserve} needs {cost} of page tables in the sparse cases, more than half of the {room} {source}; {hint}, or --force",
        "--reserve {reserve} では、まばらな場合のページテーブルに {cost} が必要で、{source}である {room} の半分を超えます。{hint}（または --force を付けてください）";
    "page_table.err.reserve_hint" => "e.g. --reserve {gib}G", "例えば --reserve {gib}G にしてください";
    "page_table.err.reserve_no_room" => "there is too little memory for the sparse cases", "まばらな場合を実行するにはメモリが足りません";
    "page_table.err.mmap_failed" => "{name}: mmap of {len} failed: {error}", "{name}: {len} の mmap に失敗しました: {error}";
    "page_table.err.reserve_mmap_failed" => "mmap of {len} with MAP_NORESERVE failed: {error}",
        "MAP_NORESERVE を付けた {len} の mmap に失敗しました: {error}";

    // ---- the chart ----
    "page_table.title.chart" => "Page-table bytes per touched page", "触れた1ページあたりのページテーブルのバイト数";
    "page_table.title.chart_x" => "case", "場合";
    "page_table.title.chart_y" => "bytes of page table per touched page (VmPTE delta)", "1ページあたりのバイト数（VmPTE の増分）";
    "page_table.title.chart_series" => "bytes per touched page", "1ページあたりのバイト数";

    // ---- option help ----
    "help.opt.page-table.size" => "How much to touch densely, every page (binary units: 256M = 256 MiB)",
        "ぎっしり（すべてのページに）触れる大きさ（2進の単位: 256M = 256 MiB）";
    "help.opt.page-table.reserve" => "The MAP_NORESERVE reservation the sparse cases touch inside (shrunk, with a note, if the kernel refuses it)",
        "まばらな場合に触れる MAP_NORESERVE の予約（カーネルが拒否すれば、注記を付けて小さくします）";
    "help.opt.page-table.thp" => "Repeat the dense case with transparent huge pages (MADV_HUGEPAGE)",
        "ぎっしり触れる場合を透過的ヒュージページ（MADV_HUGEPAGE）でも繰り返します";
    "help.opt.page-table.force" => "Run even if the memory touched is more than half of the available memory",
        "触れるメモリが使えるメモリ（available）の半分を超えても実行します";
    // ---- why.*: reasons written into the data in English (checks.rs) ----
    "why.page_table.other_arch" => "this host is {arch} with {page}-byte pages, not x86_64 with 4 KiB pages; its flat table would be {flat}",
        "このホストは {arch} で、ページは {page} バイトです。x86_64 の 4 KiB のページではありません。このホストの1段の平らな表は {flat} になります";
}
