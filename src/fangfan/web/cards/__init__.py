"""Policy cards (明白卡) in the web application: which policies a household receives (read
from the published registry), the batch download per village or township, and the public
page a card's QR code opens. The work itself is `fangfan.engine.cards`."""
