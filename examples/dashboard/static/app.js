// Copy buttons of the SSO settings page (no inline script: the Content-Security-Policy allows 'self' only).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.copy-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      field.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
});
