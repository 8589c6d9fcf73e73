"""Entry point of the deep-learning studio: `streamlit run app.py` (or `make run`)."""

import streamlit as st

from pages._shared import existing_pages

st.set_page_config(page_title="Deep-learning studio", page_icon=":material/school:", layout="wide")

sections: dict[str, list] = {"": [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)]}
for spec in existing_pages():
    sections.setdefault(spec.group, []).append(st.Page(spec.path, title=spec.title, icon=spec.icon))

st.navigation(sections).run()
