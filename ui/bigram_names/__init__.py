"""The bigram names page's views: state (`state`), word list sidebar (`data`), one module per tab
(`counts`, `sample`, `train`, `diagnostics`, `compare`), its jobs (`runs`) and figures (`charts`)."""
