"""Sphinx configuration of the course's website (``make site``).

The pages are the course's own files, gathered by ``site/build_site.py`` into
``build/site-src`` (the README as the landing page, the chapter and solutions
notebooks with their stored outputs, the topic map, the data sheet and the
contributor guide). Nothing is executed and nothing is fetched: MathJax comes
from the ``sphinx-mathjax-offline`` package and the theme ships its own assets.
"""

project = "Recurrent neural networks, from hidden Markov models to self-attention"
author = "the course's authors"
copyright = "the course's authors; code MIT, text and figures CC BY 4.0"

extensions = ["myst_nb", "sphinx-mathjax-offline"]

# The notebooks are shown with the outputs stored in the repository.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_dmath_double_inline = True
# Headings get GitHub-style anchors, so links like 00_sequences.ipynb#notation resolve.
myst_heading_anchors = 4

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "sphinx_book_theme"
html_title = "RNNs, from HMMs to self-attention"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
# The theme's light/dark switch starts from a stated mode (an empty one logs a console error).
html_context = {"default_mode": "light"}
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
html_last_updated_fmt = None
html_show_sourcelink = False
# A warning is an error (make site passes -W); MyST's notebook lexer warning for the
# IPython '!' shell lines of the Colab setup cell is not about the course's content.
suppress_warnings = ["misc.highlighting_failure"]
