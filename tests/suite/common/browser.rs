//! report.html measured in a real browser: headless Chromium, when the
//! host has it (the tests that use it skip, saying why, when it does not).

/// The Chromium binary, if one is installed.
pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The page's scrollWidth at `width` px ([`measure`]).
pub fn page_width(html: &str, width: u32) -> Option<u32> {
    measure(html, width).map(|m| m.0)
}

/// Lay `html` out in Chromium in an iframe `width` px wide (headless
/// Chromium's window is at least 500 px) and return the page's scrollWidth
/// and how many table boxes (`.wide`) scroll sideways; `None` (with the
/// reason printed) without Chromium.
pub fn measure(html: &str, width: u32) -> Option<(u32, u32)> {
    let Some(chromium) = chromium() else {
        println!(
            "skipped the browser check: no chromium on this host (Debian: apt-get install chromium)"
        );
        return None;
    };
    // Chromium is a large program: a system-wide run waits for it.
    let _turn = crate::common::one_at_a_time(&["chromium"]);
    let dir = tempfile::tempdir().unwrap();
    let probe = "<script>addEventListener('load',()=>{let n=0;\
                 document.querySelectorAll('.wide').forEach(b=>{if(b.scrollWidth>b.clientWidth+1)n++});\
                 parent.postMessage(document.documentElement.scrollWidth+' '+n,'*')});</script></body>";
    std::fs::write(dir.path().join("page.html"), html.replace("</body>", probe)).unwrap();
    std::fs::write(
        dir.path().join("frame.html"),
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"page.html\" \
             style=\"width:{width}px;height:1500px;border:0\"></iframe><script>\
             addEventListener('message',e=>document.body.setAttribute('data-measure',e.data));\
             </script></body></html>"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1500,1500",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!(
            "file://{}",
            dir.path().join("frame.html").display()
        ))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let m = dom.split("data-measure=\"").nth(1)?.split('"').next()?;
    let mut it = m.split(' ').map(|v| v.parse::<u32>().ok());
    Some((it.next()??, it.next()??))
}
