// Charts of the console pages (ECharts, SVG renderer). Kept out of the pages so the Content-Security-Policy allows
// scripts from this site only ('self', no inline script). Each chart reads its data from a JSON block beside it and
// does nothing on a page without it.
// 工作台：按类别的记录数 (#kind-chart)
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("kind-chart");
  var source = document.getElementById("kind-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 40, top: 10, bottom: 10, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.labels.slice().reverse() },
    series: [{ type: "bar", data: data.values.slice().reverse(), itemStyle: { color: "#0b4a8b" },
               label: { show: true, position: "right" }, barMaxWidth: 28 }]
  });
  holder.dataset.ready = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});

// 双公示时效 (#timeliness-chart)
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("timeliness-chart");
  var source = document.getElementById("timeliness-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  if (data.type === "statuses") {
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
                 label: { formatter: "{b}\n{c}" },
                 data: data.labels.map(function (name, i) {
                   return { name: name, value: data.values[i], itemStyle: { color: data.colours[i] } };
                 }) }]
    });
  } else {
    holder.style.height = Math.max(320, data.labels.length * 28 + 40) + "px";
    chart.resize();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 56, top: 10, bottom: 10, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                 formatter: function (items) { var i = items[0].dataIndex;
                   return data.labels[i] + "<br>按时率 " + data.values[i] + "%（应公示 " + data.due[i] + "）"; } },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: data.labels },
      series: [{ type: "bar", data: data.values, barMaxWidth: 22,
                 itemStyle: { color: function (p) { return p.value >= 90 ? "#1a7f37" : (p.value >= 60 ? "#dc6803" : "#b5121b"); } },
                 label: { show: true, position: "right", formatter: "{c}%" } }]
    });
  }
  holder.dataset.ready = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});

// 信用评价：等级分布 (#grade-chart)
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("grade-chart");
  var source = document.getElementById("grade-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  var colors = ["#1a7f37", "#1f5fa8", "#9a6700", "#b42318"];
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 20, top: 20, bottom: 10, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", barMaxWidth: 48, label: { show: true, position: "top" },
               data: data.values.map(function (v, i) { return { value: v, itemStyle: { color: colors[i] } }; }) }]
  });
  holder.dataset.ready = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});

// 部门信用工作考核：综合得分排名 (#scorecard-chart)
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("scorecard-chart");
  var source = document.getElementById("scorecard-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  holder.style.height = Math.max(200, data.labels.length * 26 + 40) + "px";
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 56, top: 10, bottom: 10, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", min: 0, max: 100 },
    yAxis: { type: "category", data: data.labels.slice().reverse() },
    series: [{ type: "bar", data: data.values.slice().reverse(), barMaxWidth: 22,
               itemStyle: { color: function (p) { return p.value >= 90 ? "#1a7f37" : (p.value >= 60 ? "#dc6803" : "#b5121b"); } },
               label: { show: true, position: "right" } }]
  });
  holder.dataset.ready = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});

// 部门信用工作考核：近几个月综合得分 (#scorecard-trend)
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("scorecard-trend");
  var source = document.getElementById("scorecard-trend-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 30, top: 20, bottom: 10, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [{ type: "line", name: data.name, data: data.values, connectNulls: false,
               label: { show: true }, itemStyle: { color: "#0b4a8b" } }]
  });
  holder.dataset.ready = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});

// 考核表打印 (#print-button)
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
