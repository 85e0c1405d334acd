"""Generator and discriminator networks.

`dcgan` holds the course's 32x32 DCGAN (and its 64x64 variant for the bundled
face model); `pggan` holds an exact port of the PGGAN CelebA-HQ 1024 generator
(import it as `gan_core.models.pggan`, it is only needed for the Hub model).
"""

from .dcgan import DCDiscriminator, DCGenerator

__all__ = ["DCGenerator", "DCDiscriminator"]
