// Progress of a roster upload: the bar follows the bytes sent, then the server checks the rows.
document.addEventListener("htmx:beforeRequest", (event) => {
  const busy = document.getElementById("roster-busy");
  if (busy && event.target.id === "roster-form") {
    busy.hidden = false;
  }
});
document.addEventListener("htmx:xhr:progress", (event) => {
  const bar = document.getElementById("roster-progress");
  if (bar && event.detail.lengthComputable && event.detail.total > 0) {
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});
