//! Embeds the map page's charting library (Apache ECharts, from the npm
//! packages: `npm install`) gzipped into the collector, so the map works
//! without a network and without a CDN. `assets/charts.js` picks the charts
//! the page draws and esbuild bundles them (half ECharts' full build); without
//! esbuild the full build is embedded, and without `node_modules` the
//! collector still builds and its map page says what is missing.

use std::io::Write;
use std::path::Path;
use std::process::Command;

const ENTRY: &str = "assets/charts.js";
const ESBUILD: &str = "../node_modules/.bin/esbuild";
const FULL_BUILD: &str = "../node_modules/echarts/dist/echarts.min.js";

fn main() {
    for path in [ENTRY, FULL_BUILD, "../node_modules/echarts/package.json"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let bundle = Path::new(&out).join("charts.js");
    let bundled = Command::new(ESBUILD)
        .args([ENTRY, "--bundle", "--minify", "--format=iife", "--log-level=error"])
        .arg(format!("--outfile={}", bundle.display()))
        .status()
        .is_ok_and(|status| status.success());
    let source = if bundled { std::fs::read(&bundle).ok() } else { None }
        .or_else(|| std::fs::read(FULL_BUILD).ok())
        .unwrap_or_else(|| {
            println!("cargo:warning=ECharts not found in node_modules: run `npm install`, then rebuild, for the map's charts");
            b"window.PARCOURS_NO_CHARTS = 'This collector was built without its charting library: run npm install, then rebuild it.';".to_vec()
        });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&source).expect("gzip in memory");
    std::fs::write(
        Path::new(&out).join("charts.js.gz"),
        gz.finish().expect("gzip in memory"),
    )
    .expect("write to OUT_DIR");
}
