//! The messages of `memlab faults`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.major_fault_costs_more_than_minor" => "a major page fault (read from storage) costs far more than a minor one",
        "メジャーページフォルト（ストレージからの読み込み）は、マイナーページフォルトよりずっと時間がかかる";
    "check.swap_in_costs_more_than_minor" => "a page fault that reads from swap costs more than a minor one",
        "スワップから読み戻すページフォルトは、マイナーページフォルトより時間がかかる";
    "check.thp_fault_cheaper_than_512_small" => "one huge-page fault costs less than 512 small-page faults",
        "ヒュージページのページフォルト1回は、通常ページのページフォルト512回より短い時間で済む";
    "check.timings_add_up" => "the timings add up to the time measured around them",
        "各時間の合計は、その外側で測った時間と合う";
    "check.anon_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、無名メモリのページフォルトちょうど1回である";
    "check.thp_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、透過的ヒュージページのページフォルトちょうど1回である";
    "check.cow_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、コピーオンライトのページフォルトちょうど1回である";
    "check.file_minor_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、ファイル（マイナー）のページフォルトちょうど1回である";
    "check.file_major_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、ファイル（メジャー）のページフォルトちょうど1回である";
    "check.swap_in_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、スワップインのページフォルトちょうど1回である";
}
