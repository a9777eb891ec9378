//! Embeds the map page's charting library (Apache ECharts, from the npm
//! packages: `npm install`) gzipped into the collector, so the map works
//! without a network and without a CDN. Without `node_modules`, the
//! collector still builds and its map page says what is missing.

use std::io::Write;
use std::path::Path;

const LIBRARY: &str = "../node_modules/echarts/dist/echarts.min.js";

fn main() {
    println!("cargo:rerun-if-changed={LIBRARY}");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target = Path::new(&out).join("echarts.min.js.gz");
    let source = std::fs::read(LIBRARY).unwrap_or_else(|_| {
        println!("cargo:warning=ECharts not found at {LIBRARY}: run `npm install`, then rebuild, for the map's charts");
        b"window.PARCOURS_NO_CHARTS = 'This collector was built without its charting library: run npm install, then rebuild it.';".to_vec()
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&source).expect("gzip in memory");
    std::fs::write(target, gz.finish().expect("gzip in memory")).expect("write to OUT_DIR");
}
