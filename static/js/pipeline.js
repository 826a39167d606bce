// The dashboard's renewal pipeline: figures from /dashboard/pipeline.json (scoped to the user),
// drawn with Chart.js and written into the table beside it for screen readers. No inline
// script: the page only says where the data is (data-src on #pipeline).
(function () {
  const holder = document.getElementById("pipeline");
  if (!holder) return;
  const status = document.getElementById("pipeline-status");
  const colours = ["#0b3b60", "#e8a317", "#4caf7a", "#b0413e", "#6f42c1", "#20a0b0", "#8a8f94"];

  function cell(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    if (tag === "th") element.scope = className === "num" ? "col" : "row";
    return element;
  }

  function fillTable(data) {
    const table = document.getElementById("pipeline-table");
    const head = table.createTHead().insertRow();
    head.appendChild(cell("th", data.text.month));
    data.series.forEach((series) => {
      head.appendChild(cell("th", series.label + " · " + data.text.nok, "num"));
      head.appendChild(cell("th", series.label + " · " + data.text.ssc, "num"));
    });
    head.querySelectorAll("th").forEach((th) => { th.scope = "col"; });
    const body = table.createTBody();
    data.labels.forEach((label, index) => {
      const row = body.insertRow();
      row.appendChild(cell("th", label));
      data.series.forEach((series) => {
        row.appendChild(cell("td", series.nok_text[index], "num"));
        row.appendChild(cell("td", String(series.ssc[index]), "num"));
      });
    });
    const foot = table.createTFoot().insertRow();
    foot.appendChild(cell("th", data.text.total));
    const total = cell("td", data.totals.nok_text + " · " + data.totals.ssc_text + " SSC", "num");
    total.colSpan = Math.max(1, data.series.length * 2);
    foot.appendChild(total);
  }

  function draw(data) {
    if (!window.Chart) return;
    new window.Chart(document.getElementById("pipeline-chart"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, index) => ({
          label: series.label, data: series.nok, ssc: series.ssc, nokText: series.nok_text,
          backgroundColor: colours[index % colours.length],
        })),
      },
      options: {
        maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        plugins: {
          legend: { display: data.series.length > 1, position: "bottom" },
          tooltip: { callbacks: { label: (item) => item.dataset.label + ": "
            + item.dataset.nokText[item.dataIndex] + " · " + item.dataset.ssc[item.dataIndex]
            + " SSC" } },
        },
      },
    });
  }

  fetch(holder.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => { if (!response.ok) throw new Error(response.status); return response.json(); })
    .then((data) => {
      fillTable(data);
      draw(data);
      status.textContent = data.text.total + ": " + data.totals.nok_text + " · "
        + data.totals.ssc_text + " SSC";
      holder.dataset.loaded = "true";
    })
    .catch(() => { status.textContent = holder.dataset.failed; });
})();
