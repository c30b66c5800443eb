//! The messages of `memlab free`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.available_is_the_kernels_estimate" => "available is the kernel's estimate of the memory a program can still get",
        "「available : 実質的な空きメモリ」はカーネルが見積もった値である";
    "check.available_at_least_free_less_reserve" => "available is at least free less the kernel's reserve",
        "available は、free からカーネルの予約分を引いた値以上である";
    "check.available_at_most_free_plus_caches" => "available is at most free plus the caches the kernel can free",
        "available は、free に解放できるキャッシュを足した値以下である";
}
