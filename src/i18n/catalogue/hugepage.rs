//! The messages of `memlab hugepage`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- what it needs (memlab list) ----
    "needs.hugepage" => "reserved hugetlb pages for the hugetlbfs part (the rest runs without)",
        "hugetlbfs の部分には予約済みの hugetlb ページ（ほかの部分はなしで実行できます）";
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

    // ---- narration ----
    "hugepage.say.variant" => "{variant}: touching {size} in a fresh child, then timing {forks} forks of it",
        "{variant}: 新しい子プロセスで {size} のメモリに触れ、その子プロセスの fork() の時間を {forks} 回測ります";

    // ---- skipped parts ----
    "hugepage.skip.thp_off" => "thp: transparent huge pages are `{mode}` on this host (/sys/kernel/mm/transparent_hugepage/enabled); memlab never changes that setting",
        "thp: このホストでは透過的ヒュージページの設定が `{mode}` です（/sys/kernel/mm/transparent_hugepage/enabled）。memlab はこの設定を変えません";
    "hugepage.skip.hugetlb_pool" => "hugetlb: {size} needs {needed} huge pages of {huge} but HugePages_Free is {free} (HugePages_Total {total}); an administrator can reserve them with `sysctl vm.nr_hugepages={reserve}` — memlab never changes it",
        "hugetlb: {size} には {huge} のヒュージページが {needed} 個要りますが、HugePages_Free は {free} です（HugePages_Total は {total}）。管理者は `sysctl vm.nr_hugepages={reserve}` で予約できます。memlab はこの設定を変えません";
    "hugepage.skip.hugetlb_map" => "hugetlb: mmap(MAP_HUGETLB) of {size} failed: {error}",
        "hugetlb: {size} の mmap(MAP_HUGETLB) に失敗しました: {error}";

    // ---- errors ----
    "hugepage.err.advise" => "{variant}: {why}",
        "{variant}: 領域の準備に失敗しました: {why}";
    "hugepage.err.map" => "{variant}: mmap of {size} failed: {error}",
        "{variant}: {size} の mmap に失敗しました: {error}";

    // ---- the chart ----
    "hugepage.title.chart" => "{size} touched: huge pages vs 4 KiB pages",
        "{size} に触れたとき: ヒュージページと 4 KiB のページの比較";
    "hugepage.title.x" => "measure", "測定項目";
    "hugepage.title.y" => "% of the 4 KiB-page run", "4 KiB のページでの値に対する割合（%）";
    "hugepage.title.minflt" => "minor faults", "マイナーフォルト";
    "hugepage.title.pte" => "VmPTE added", "増えた VmPTE";
    "hugepage.title.fork" => "fork time (median)", "fork の時間（中央値）";

    // ---- option help (the English is the doc comment) ----
    "help.opt.hugepage.size" => "How much to touch in each variant (binary units: 128M = 128 MiB)",
        "各方式で触れるメモリの量（2進の単位: 128M = 128 MiB）";
    "help.opt.hugepage.forks" => "How many forks to time per variant (the median is compared)",
        "方式ごとに時間を測る fork の回数（中央値で比べます）";
    "help.opt.hugepage.force" => "Run even if SIZE is more than half of the available memory",
        "SIZE が利用可能なメモリの半分を超えても実行します";
    // ---- reasons written into the data (found again for the reader) ----
    "why.hugepage.no_smaps" => "AnonHugePages cannot be read here (no /proc/self/smaps_rollup), so whether huge pages backed the region is unknown",
        "ここでは AnonHugePages を読めません（/proc/self/smaps_rollup がありません）。領域がヒュージページで割り当てられたかどうかはわかりません";
    "why.hugepage.fell_back" => "none of the {span} was backed by huge pages (the kernel fell back to 4 KiB pages: no free 2 MiB block, or the THP defrag setting), so this run cannot judge the claim",
        "{span} のどこもヒュージページで割り当てられませんでした。カーネルは 4 KiB のページを使いました（空いた 2 MiB のブロックがないか、THP の defrag の設定のためです）。この実行では主張を判定できません";
    "why.hugepage.too_small" => "SIZE is too small: its {ptes} KiB of PTE pages cannot be told from the {extra} KiB allowed for upper levels (e.g. --size 64M)",
        "SIZE が小さすぎます。PTE ページの {ptes} KiB を、上の階層のために許した {extra} KiB と見分けられません（例: --size 64M）";
    "why.hugepage.no_fork" => "no fork was timed",
        "fork の時間を1回も測っていません";
    "why.hugepage.few_forks" => "fewer than {n} forks cannot say how much they scatter",
        "fork が {n} 回に足りないため、ばらつきの大きさがわかりません";
    "why.hugepage.within_scatter" => "the difference is within the forks' own scatter, too small to judge on this host (a larger --size makes it larger)",
        "差が fork 自身のばらつきの中に収まり、このホストでは小さすぎて判定できません（--size を大きくすると差も大きくなります）";
}
