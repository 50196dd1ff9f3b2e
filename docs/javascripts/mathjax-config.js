// MathJax 3, served from this site (assets/mathjax, copied from the django-static-mathjax wheel by
// docs/_hooks.py): no CDN at build or view time.  Pages typeset the spans that
// pymdownx.arithmatex writes; notebook pages also typeset $…$ in their markdown cells.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jp-MarkdownOutput|jp-RenderedMarkdown"
  }
};
