"""Home: what the studio is, a card per page, and the device panel."""

import streamlit as st

from ui import home
from ui.navigation import enter_page

enter_page()

st.title("Deep-learning studio")
st.markdown(home.INTRO)
home.cards()

st.header("Device", divider="gray")
home.device_panel()
