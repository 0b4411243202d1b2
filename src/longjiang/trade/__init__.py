"""Cross-border e-commerce: orders, China Customs CEB messages, the three-document match, duty.

Sub-modules (imported on demand, nothing heavy here):

- :mod:`longjiang.trade.spec`: the CEB field table (names, formats, mandatory flags).
- :mod:`longjiang.trade.model`: an order in five sections, trade modes 9610/9710/9810/1210.
- :mod:`longjiang.trade.orders`: import from JSON, JSON Lines and CSV, with every problem
  named by row or JSON pointer, field and value.
- :mod:`longjiang.trade.resolve`: where each field of each CEB element comes from.
- :mod:`longjiang.trade.ceb`: the per-order messages (CEB303/403/505/603, 311/411/511/621),
  envelope and batches of 100.
- :mod:`longjiang.trade.consign`: arrival, departure, master/house list and consolidated
  declaration (CEB507/509/607/701).
"""

__all__ = ["ceb", "consign", "model", "orders", "resolve", "spec"]
