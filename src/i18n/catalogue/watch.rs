//! The messages of `memlab watch`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.sampled_peak_near_kernel_peak" => "the sampled peak RSS is close to the kernel's own peak",
        "測定した RSS の最大値は、カーネル自身の最大値に近い";
}
