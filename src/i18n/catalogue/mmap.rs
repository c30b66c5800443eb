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

    // ---- narration ----
    "mmap.say.returned" => "mmap({size} bytes) returned {addr}; /proc/self/maps changed in {n} line(s):",
        "mmap({size} バイト) は {addr} を返しました。/proc/self/maps で変わった行は {n} 行です:";
    "mmap.say.new_mapping" => "the new mapping", "新しいマッピング";

    // ---- option help ----
    "help.opt.mmap.size" => "How much to map (binary units: 100M = 100 MiB)",
        "マップする量（2進の単位: 100M = 100 MiB）";
    "help.opt.mmap.populate" => "MAP_POPULATE: fault every page in at once (RSS grows too)",
        "MAP_POPULATE: すべてのページをすぐに割り当てます（RSS も増えます）";
    "help.opt.mmap.force" => "Run even if SIZE is more than half of the available memory",
        "SIZE が利用可能なメモリの半分を超えていても実行します";
}
