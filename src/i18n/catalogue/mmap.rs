//! The messages of `memlab mmap`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.vsz_grew_by_size" => "mmap() enlarges the virtual address space by the size",
        "mmap() で仮想アドレス空間がその大きさだけ増える";
    "check.address_in_added_line" => "the address mmap() returned lies in the line it added to the memory map",
        "mmap() が返したアドレスは、メモリマップに加わった行の範囲にある";
    "check.rss_did_not_grow" => "mmap() alone gives no physical memory",
        "mmap() を呼んだだけでは、物理メモリは割り当てられない";
    "check.rss_grew_with_populate" => "with MAP_POPULATE, physical memory is given at once",
        "MAP_POPULATE を付けると、物理メモリがすぐに割り当てられる";
}
