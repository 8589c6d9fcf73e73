"""A small built-in bookmark collection so the page works before anything is imported."""

from __future__ import annotations

from core.bookmarks.model import Bookmark

_DEMO = [
    ("Deep Learning", [
        ("PyTorch documentation", "https://pytorch.org/docs/stable/index.html", "Tensors, autograd, nn modules and optimizers reference."),
        ("Dive into Deep Learning", "https://d2l.ai/", "Interactive deep learning book with code, math and discussions."),
        ("ImageNet Classification with Deep CNNs (AlexNet paper)", "https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks", "The 2012 paper: ReLU, dropout, overlapping pooling, local response normalization."),
        ("Adam: A Method for Stochastic Optimization", "https://arxiv.org/abs/1412.6980", "Adaptive moment estimation optimizer paper."),
        ("Batch Normalization paper", "https://arxiv.org/abs/1502.03167", "Accelerating deep network training by reducing internal covariate shift."),
        ("Dropout: a simple way to prevent overfitting", "https://jmlr.org/papers/v15/srivastava14a.html", "Regularization by randomly dropping units during training."),
        ("CS231n Convolutional Neural Networks for Visual Recognition", "https://cs231n.github.io/", "Stanford course notes on CNNs, backprop and optimization."),
        ("makemore", "https://github.com/karpathy/makemore", "Character-level language models that generate names: bigram, MLP, transformer."),
        ("micrograd", "https://github.com/karpathy/micrograd", "A tiny scalar-valued autograd engine and neural net library."),
    ]),
    ("Retrieval / Vector databases", [
        ("Chroma documentation", "https://docs.trychroma.com/", "Open-source embedding database for AI applications."),
        ("Pinecone documentation", "https://docs.pinecone.io/", "Managed vector database: indexes, namespaces, metadata filters."),
        ("Sentence-Transformers", "https://www.sbert.net/", "Sentence embeddings with pretrained models like all-MiniLM-L6-v2."),
        ("Okapi BM25 (Wikipedia)", "https://en.wikipedia.org/wiki/Okapi_BM25", "Keyword ranking function used by search engines."),
        ("Reciprocal Rank Fusion paper", "https://plg.uwaterloo.ca/~gvcormac/cormacksigir09-rrf.pdf", "Combining rankings from several retrieval systems."),
        ("Maximal Marginal Relevance", "https://www.cs.cmu.edu/~jgc/publication/The_Use_MMR_Diversity_Based_LTMCR_1998.pdf", "Diversity-based reranking for retrieval and summarization."),
    ]),
    ("Python / Tools", [
        ("Streamlit docs", "https://docs.streamlit.io/", "Build data apps in Python: widgets, chat elements, caching."),
        ("LangChain documentation", "https://python.langchain.com/docs/introduction/", "Framework for building applications with language models."),
        ("pandas user guide", "https://pandas.pydata.org/docs/user_guide/index.html", "DataFrames, IO, groupby and time series."),
        ("NumPy documentation", "https://numpy.org/doc/stable/", "Arrays, broadcasting and linear algebra."),
        ("scikit-learn", "https://scikit-learn.org/stable/", "Machine learning in Python: classification, regression, clustering."),
        ("Plotly Python", "https://plotly.com/python/", "Interactive charts for notebooks and web apps."),
    ]),
    ("Reading / Cooking", [
        ("Serious Eats: The Food Lab", "https://www.seriouseats.com/the-food-lab", "Recipes explained through food science."),
        ("Sourdough bread guide", "https://www.theperfectloaf.com/beginners-sourdough-bread/", "Step by step beginner sourdough recipe."),
        ("Project Gutenberg", "https://www.gutenberg.org/", "Free ebooks of public-domain literature."),
        ("Open Library", "https://openlibrary.org/", "Borrow and browse millions of books."),
    ]),
    ("Travel", [
        ("Rome2Rio", "https://www.rome2rio.com/", "Compare trains, buses, flights and ferries between any two places."),
        ("Seat61: the man in seat sixty-one", "https://www.seat61.com/", "How to travel by train in Europe and worldwide."),
        ("OpenStreetMap", "https://www.openstreetmap.org/", "Free editable world map."),
    ]),
]


def demo_bookmarks() -> list[Bookmark]:
    out = []
    for i, (folder, items) in enumerate(_DEMO):
        for j, (title, url, desc) in enumerate(items):
            out.append(Bookmark(url=url, title=title, folder=folder, description=desc,
                                added=1_700_000_000 + (i * 20 + j) * 86_400, source="demo"))
    return out
