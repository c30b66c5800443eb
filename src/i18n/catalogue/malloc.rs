//! The messages of `memlab malloc`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- why.*: words of the checks' data in English (checks.rs) ----
    "why.malloc.no_line_holds" => "no maps line holds {addr} after free",
        "free の後、{addr} を含む maps の行はない";
    "why.malloc.gone" => "the mapping is gone", "マッピングはなくなった";
    "why.malloc.still_mapped" => "the mapping is still there", "マッピングはまだ残っている";

    "check.small_blocks_share_a_pool" => "small blocks come from one pool",
        "小さなブロックは1つのプールから割り当てられる";
    "check.pool_grew_for_small_blocks" => "the pool grows for small blocks",
        "小さなブロックのためにプールが大きくなる";
    "check.large_block_gets_own_mapping" => "a large block gets its own mmap() mapping",
        "大きなブロックには専用の mmap() のマッピングが作られる";
    "check.free_of_large_block_unmaps_it" => "free() of a large block gives its mapping back",
        "大きなブロックを free() すると、そのマッピングは解放される";
    "check.kernel_counts_more_than_asked" => "the kernel sees more memory used than the program asked for",
        "「そのプログラムが出す値と、Linuxから見たプロセス使用メモリ量とが、異なることがよくある」";

    // ---- narration ----
    "malloc.say.small_diff" => "{blocks} small mallocs ({total}) changed /proc/self/maps in {lines} line(s):",
        "小さなブロックを {blocks} 個 malloc しました（合計 {total}）。/proc/self/maps は {lines} 行変わりました:";
    "malloc.say.large_diff" => "one malloc({size}) returned {address}; /proc/self/maps changed in {lines} line(s):",
        "malloc({size}) を1回呼ぶと {address} が返りました。/proc/self/maps は {lines} 行変わりました:";
    "malloc.say.holds_large" => "holds the large block", "大きなブロックはここにある";
    "malloc.say.merged" => "(the kernel merged the new mapping with an adjacent anonymous one of the same permissions: one line removed, a longer one added)",
        "（カーネルは新しいマッピングを、隣にある同じ権限の無名マッピングとつなげました。1行が消え、長くなった1行が加わっています）";

    // ---- notes ----
    "malloc.note.mallopt_refused" => "glibc refused mallopt(M_MMAP_THRESHOLD): its threshold may have moved from 128 KiB",
        "glibc が mallopt(M_MMAP_THRESHOLD) を受け付けませんでした。しきい値が 128 KiB から変わっているかもしれません";
    "malloc.note.own_bookkeeping" => "memlab's own bookkeeping also uses glibc's malloc (Rust's allocator sits on it): the maps buffers were sized before the first reading, so only the few small strings of the /proc readers come from the same pool between readings",
        "memlab 自身の管理用のメモリも glibc の malloc から取られます（Rust のアロケータはその上にあります）。maps を読むバッファは最初の測定の前に確保したので、測定の合間に同じプールから取られるのは /proc を読むための小さな文字列だけです";
    "malloc.note.side_by_side" => "side by side, all blocks held: the program asked for {asked}; glibc got {arena} from brk (arena) and {hblkhd} as mapped chunks (hblkhd); the kernel counts +{vsz} of address space (VSZ) and +{rss} resident (RSS)",
        "すべてのブロックを持っている時点で比べると、プログラムが求めたのは {asked} です。glibc は brk で {arena}（arena）、個別のマッピングで {hblkhd}（hblkhd）をカーネルから得ました。カーネルから見ると、仮想アドレス空間（VSZ）は +{vsz}、物理メモリ（RSS）は +{rss} 増えています";
    "malloc.note.after_free_trimmed" => "after free(): glibc counts {uordblks} in use (uordblks); the freed small chunks merged at the top of [heap], and glibc gave that top back to the kernel (brk trimmed it from {held} to {heap}; VSZ {vsz} / RSS {rss}); the mapped large block went back at once",
        "free() の後、glibc が使用中と数えるのは {uordblks}（uordblks）です。解放した小さなブロックは [heap] の終わり（アドレスの高い側）でひとつにまとまり、glibc はその部分をカーネルに返しました（brk で {held} から {heap} に縮めました。VSZ は {vsz}、RSS は {rss}）。個別にマップした大きなブロックはすぐに返りました";
    "malloc.note.after_free" => "after free(): glibc counts {uordblks} in use (uordblks) but keeps the pool: [heap] is {heap} and the kernel still counts VSZ {vsz} / RSS {rss}; freed small chunks sit in glibc's bins (tcache, fastbins) for reuse, only the mapped large block went back at once",
        "free() の後、glibc が使用中と数えるのは {uordblks}（uordblks）ですが、プールは手放しません。[heap] は {heap} のままで、カーネルから見た VSZ は {vsz}、RSS は {rss} です。解放した小さなブロックは再利用のために glibc のビン（tcache、fastbins）に残り、すぐにカーネルへ返ったのは個別にマップした大きなブロックだけです";

    // ---- skip reasons ----
    "malloc.skip.not_glibc" => "this memlab was not built against glibc (mallinfo2 is missing): the document describes glibc's malloc, so there is nothing to compare",
        "この memlab は glibc を使ってビルドされていません（mallinfo2 がありません）。文書が説明しているのは glibc の malloc なので、比べるものがありません";

    // ---- errors ----
    "malloc.err.large_below_threshold" => "--large {large} is below glibc's mmap threshold ({threshold}); e.g. --large 1M",
        "--large {large} は glibc の mmap のしきい値（{threshold}）より小さい値です。例: --large 1M";
    "malloc.err.null_small" => "malloc returned NULL after {got} of {blocks} small blocks",
        "小さなブロック {blocks} 個のうち {got} 個を確保したところで malloc が NULL を返しました";
    "malloc.err.null_large" => "malloc returned NULL for the large block ({size})",
        "大きなブロック（{size}）の malloc が NULL を返しました";
    "malloc.err.no_stage" => "the recorded rows have no stage '{stage}'",
        "記録された行に段階 '{stage}' がありません";

    // ---- option help ----
    "help.opt.malloc.blocks" => "How many small blocks to malloc (their sizes cycle through 64, 128, 256, 512 and 1024 bytes)",
        "malloc する小さなブロックの数（大きさは 64、128、256、512、1024 バイトを順に繰り返します）";
    "help.opt.malloc.large" => "The size of the one large block (at or above glibc's mmap threshold, 128 KiB by default, it gets its own mapping)",
        "1つだけ確保する大きなブロックの大きさ（glibc の mmap のしきい値、既定で 128 KiB 以上なら、専用のマッピングが作られます）";
    "help.opt.malloc.force" => "Run even if the blocks are more than half of the available memory",
        "ブロックが利用可能なメモリの半分を超えても実行します";
}
