// The charts the journey map draws, and only those, from Apache ECharts'
// modules: bundled by collector/build.rs (esbuild) into the collector, half
// the size of ECharts' full build.
import * as echarts from 'echarts/core';
import { LineChart, FunnelChart, SankeyChart } from 'echarts/charts';
import { TooltipComponent, GridComponent, MarkLineComponent, AriaComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([LineChart, FunnelChart, SankeyChart, TooltipComponent, GridComponent, MarkLineComponent, AriaComponent, SVGRenderer]);
window.echarts = echarts;
