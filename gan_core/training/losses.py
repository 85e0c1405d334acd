"""GAN losses, each a small class with explicit phases.

The trainer never knows which loss it runs: it asks the loss for the
discriminator's two terms (on real and on fake images) and the generator's
term, and adds the gradient penalty when `loss.gradient_penalty_weight > 0`.

Each class is also the one place that describes its loss: the formula, whether
D is a critic, how to draw and read D's output, what to advise when a run
blows up, and the content keys of its prose (the app is bilingual, so the prose
itself lives in content/<lang>.json; GANLoss.CONTENT_KEYS). The Train page, the
toy lab and the trainer read these from LOSSES, so adding a loss means writing
its class and its content keys, nothing else (tests/test_losses.py checks both).

All losses take raw discriminator outputs ("logits": no sigmoid applied).

A note on the course code's labels. The course trains its least-squares GAN
with real images labelled 0 and fakes labelled 1:
    D minimises 1/2 E[D(x)^2] + 1/2 E[(D(G(z)) - 1)^2],  G minimises 1/2 E[D(G(z))^2].
That is the same game as the standard coding below with D's output negated and
shifted (D' = 1 - D): the targets are just names, the optimum and the
gradients G receives are identical. We use the standard coding (Mao et al.
2017, a = 0 fake, b = 1 real, c = 1 what G wants D to say) so the
discriminator's output reads "how real", like every other loss here.
"""

import torch
import torch.nn.functional as F


class GANLoss:
    name = "base"
    # L_D and L_G in LaTeX (language-neutral; the Train page shows it next to the health text).
    formula = ""
    # Added to D's loss as weight * penalty when > 0 (WGAN-GP).
    gradient_penalty_weight = 0.0
    # |loss| above this means the run has blown up (see Trainer's divergence check).
    explode_threshold = 1e3
    # D gives unbounded scores (a "critic"), not a probability or a 0/1 target:
    # the health chart's axis says "critic score" instead of "D's output".
    is_critic = False
    # The range D's output is meant to span, fixed for the toy lab's colour bar;
    # None (critics): the lab scales to what the critic currently outputs.
    output_range: tuple[float, float] | None = None
    # The mean gap of the critic's scores on real and fake, -(d_loss_real + d_loss_fake),
    # estimates the Wasserstein distance (the toy lab plots it).
    estimates_wasserstein = False
    # The content key of a note for runs that train D once per G step, when the
    # loss's paper trains it more often (the Train page shows it before Start).
    d_steps_note: str | None = None
    # D has nothing that bounds its slope: when a run blows up, the trainer advises
    # spectral norm (or the calmer least-squares loss) before anything else.
    advise_spectral_norm = False

    # The content keys (content/en.json and fa.json) of every loss's prose, by use.
    CONTENT_KEYS = {
        "label": "train.losses.{name}",          # the Train page's loss menu
        "health": "train.health_text.{name}",    # how to read the health chart on the Train page
        "toy_label": "toylab.losses.{name}",     # the toy lab's loss menu (shorter)
        "surface": "toylab.surface.{name}",      # the toy lab's colour bar: what D's output means
    }

    @classmethod
    def content_key(cls, use: str) -> str:
        """The content key of this loss's text for `use` (a key of CONTENT_KEYS)."""
        return cls.CONTENT_KEYS[use].format(name=cls.name)

    @classmethod
    def content_keys(cls) -> list[str]:
        """Every content key this loss names (tests check each exists in both languages)."""
        keys = [cls.content_key(use) for use in cls.CONTENT_KEYS]
        return keys + ([cls.d_steps_note] if cls.d_steps_note else [])

    def d_loss_terms(self, real_logits, fake_logits):
        """(term on real images, term on fake images); D minimises their sum."""
        raise NotImplementedError

    def d_loss(self, real_logits, fake_logits):
        real_term, fake_term = self.d_loss_terms(real_logits, fake_logits)
        return real_term + fake_term

    def g_loss(self, fake_logits):
        raise NotImplementedError

    def d_output(self, logits):
        """D's output as the health statistic D(x) / D(G(z)) of the DCGAN tutorial."""
        return logits


class LSGANLoss(GANLoss):
    r"""Least squares (Mao et al. 2017), the course's loss.

    Unlike the saturating log loss, the penalty keeps growing for fakes that D
    scores far from the real target, so G still gets gradient from samples
    that D classifies confidently.
    """

    name = "lsgan"
    formula = (r"\begin{aligned} L_D &= \tfrac12\,\mathbb{E}\big[(D(x) - 1)^2\big]"
               r" + \tfrac12\,\mathbb{E}\big[D(G(z))^2\big]"
               r" \\ L_G &= \tfrac12\,\mathbb{E}\big[(D(G(z)) - 1)^2\big] \end{aligned}")
    explode_threshold = 1e2
    output_range = (-0.25, 1.25)   # targets 0 (fake) and 1 (real), with a margin either side

    def d_loss_terms(self, real_logits, fake_logits):
        return 0.5 * ((real_logits - 1) ** 2).mean(), 0.5 * (fake_logits**2).mean()

    def g_loss(self, fake_logits):
        return 0.5 * ((fake_logits - 1) ** 2).mean()


class BCELoss(GANLoss):
    r"""The original GAN's cross-entropy, with the non-saturating generator loss
    (Goodfellow et al. 2014, section 3); sigma is the sigmoid.

    softplus(-t) = -log sigmoid(t) and softplus(t) = -log(1 - sigmoid(t)),
    computed from logits for numerical stability.
    """

    name = "bce"
    formula = (r"\begin{aligned} L_D &= -\mathbb{E}\big[\log \sigma(D(x))\big]"
               r" - \mathbb{E}\big[\log(1 - \sigma(D(G(z))))\big]"
               r" \\ L_G &= -\mathbb{E}\big[\log \sigma(D(G(z)))\big] \end{aligned}")
    explode_threshold = 1e2
    output_range = (0.0, 1.0)      # d_output is the probability that x is real
    advise_spectral_norm = True

    def d_loss_terms(self, real_logits, fake_logits):
        return F.softplus(-real_logits).mean(), F.softplus(fake_logits).mean()

    def g_loss(self, fake_logits):
        return F.softplus(-fake_logits).mean()

    def d_output(self, logits):
        return torch.sigmoid(logits)


class WGANGPLoss(GANLoss):
    r"""Wasserstein loss with gradient penalty (Gulrajani et al. 2017).

    x_hat are random interpolates between real and fake images; lambda = 10.
    """

    name = "wgan-gp"
    formula = (r"\begin{aligned} L_D &= \mathbb{E}\big[D(G(z))\big] - \mathbb{E}\big[D(x)\big]"
               r" + \lambda\,\mathbb{E}\big[(\lVert \nabla D(\hat x) \rVert_2 - 1)^2\big]"
               r" \\ L_G &= -\mathbb{E}\big[D(G(z))\big] \end{aligned}")
    gradient_penalty_weight = 10.0
    explode_threshold = 1e5
    is_critic = True
    estimates_wasserstein = True
    d_steps_note = "train.warn_wgan_steps"   # the paper trains the critic 5 times per G step

    def d_loss_terms(self, real_logits, fake_logits):
        return -real_logits.mean(), fake_logits.mean()

    def g_loss(self, fake_logits):
        return -fake_logits.mean()


class HingeLoss(GANLoss):
    r"""Hinge loss (Lim & Ye 2017; used by SN-GAN and BigGAN)."""

    name = "hinge"
    formula = (r"\begin{aligned} L_D &= \mathbb{E}\big[\max(0, 1 - D(x))\big]"
               r" + \mathbb{E}\big[\max(0, 1 + D(G(z)))\big]"
               r" \\ L_G &= -\mathbb{E}\big[D(G(z))\big] \end{aligned}")
    explode_threshold = 1e3
    is_critic = True               # scores, sure beyond +1 (real) and -1 (fake)
    advise_spectral_norm = True

    def d_loss_terms(self, real_logits, fake_logits):
        return F.relu(1 - real_logits).mean(), F.relu(1 + fake_logits).mean()

    def g_loss(self, fake_logits):
        return -fake_logits.mean()


# Every menu lists the losses in this order (the course's first).
LOSSES: dict[str, type[GANLoss]] = {cls.name: cls for cls in (LSGANLoss, BCELoss, WGANGPLoss, HingeLoss)}


def loss_class(name: str) -> type[GANLoss]:
    """The class of loss `name`, for its metadata (get_loss builds one to train with)."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None


def get_loss(name: str) -> GANLoss:
    return loss_class(name)()


def gradient_penalty(discriminator, real, fake, generator: torch.Generator | None = None):
    """mean((||grad_x D(x_hat)||_2 - 1)^2) over random interpolates x_hat.

    Penalising the gradient norm towards 1 keeps the critic close to
    1-Lipschitz, which the Kantorovich-Rubinstein duality behind the
    Wasserstein distance requires (instead of WGAN's weight clipping).
    """
    # One mixing weight per sample, broadcast over the other dimensions
    # (images (B, C, H, W) or 2-D toy points (B, 2)).
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = discriminator(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def r1_penalty(discriminator, real):
    """mean(||grad_x D(x)||_2^2) over the real batch: Mescheder et al. 2018's R1 regulariser.

    D's loss adds (gamma / 2) * this (TrainConfig.r1 is gamma). Penalising D's slope on real
    data only makes GAN training locally convergent (the Dirac-GAN argument; StyleGAN's default).
    """
    x = real.detach().requires_grad_(True)
    scores = discriminator(x)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return grad.flatten(1).pow(2).sum(dim=1).mean()
