"""Bookmark search: import browser bookmarks, embed them offline, search and chat with them.

The modules follow the pipeline: `model` (a bookmark, URL normalisation, ids, hashes),
`importers` (every browser's export format), `embeddings` (MiniLM offline, OpenAI online),
`stores` (Chroma locally, Pinecone behind the same interface), `sync` (incremental,
interruption-safe re-indexing), `retrieval` (similarity, threshold, MMR, hybrid BM25+vector),
`chat` (LangChain + ChatOpenAI answers with citations, or offline ranked results), `enrich`
(optional page fetching) and `safety` (escaping untrusted bookmark text). Two policy modules
serve the page and the CLI alike: `collections` (which named collection a viewer opens in each
serving mode) and `profiles` (which embedder, store folder and Pinecone namespace; error text).
"""
