// Loaded after RequireJS and before the widget manager (html-manager 1.x) on every page with
// widget state. The manager's CSS names its fonts by its module's address, which RequireJS
// puts beside the page unless told that the module lives here, beside this file.
require.config({
  paths: {
    "@jupyter-widgets/html-manager/dist": new URL("vendor/html-manager", document.currentScript.src)
      .href,
  },
});
// It typesets widget labels with MathJax 2's MathJax.Hub.Queue; the pages load MathJax 3, a
// deferred script, which has run by DOMContentLoaded.
document.addEventListener("DOMContentLoaded", () => {
  if (window.MathJax) {
    window.MathJax.Hub = {
      Queue: ([, , element]) => MathJax.startup.promise.then(() => MathJax.typesetPromise([element])),
    };
  }
});
