//! The messages of `memlab isolation`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.same_address_different_data" => "the same virtual address in two processes holds different data",
        "2つのプロセスの同じ仮想アドレスには、別々のデータがある";
    "check.same_address_different_frames" => "the same virtual address in two processes maps different physical pages",
        "2つのプロセスの同じ仮想アドレスは、別々の物理メモリに対応付けられている";
    "check.two_runs_same_addresses" => "without ASLR, two runs use the same virtual addresses",
        "ASLR を切ると、2回の実行で同じ仮想アドレスが使われる";
    "check.two_runs_data_in_different_frames" => "two runs keep their data in different physical pages",
        "2回の実行のデータは、別々の物理メモリに置かれる";
    "check.two_runs_share_code_frames" => "two runs of the same program share the physical pages of its code",
        "同じプログラムを2回実行すると、コードの物理メモリは共有される";
    "check.contiguous_region_scattered_frames" => "a region contiguous in virtual addresses is scattered in physical memory",
        "仮想アドレス空間で連続した領域も、物理メモリではばらばらに置かれている";
}
