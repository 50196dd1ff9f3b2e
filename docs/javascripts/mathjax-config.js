// MathJax 3, served from this site (assets/mathjax, copied from the django-static-mathjax wheel by
// docs/_hooks.py): no CDN at build or view time.  Only the spans that pymdownx.arithmatex writes and
// the markdown cells of notebook pages ($…$ there) are typeset; code and the rest of a page are left alone.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  startup: {
    typeset: false,
    pageReady: () => MathJax.startup.defaultPageReady().then(() =>
      MathJax.typesetPromise(Array.from(document.querySelectorAll(".arithmatex, .jp-MarkdownOutput"))))
  }
};
