"""Policy cards (明白卡): the catalogue of policies per year, which policies each household
receives (from the registry and the linked department records), and the printed card.

No Django here: the web application (`fangfan.web.cards`) and the command line
(`fangfan cards`) feed the same functions. See docs/cards.md.
"""
