"""GAN losses, each a small class with explicit phases.

The trainer never knows which loss it runs: it asks the loss for the
discriminator's two terms (on real and on fake images) and the generator's
term, and adds the gradient penalty when `loss.gradient_penalty_weight > 0`.

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
    # Added to D's loss as weight * penalty when > 0 (WGAN-GP).
    gradient_penalty_weight = 0.0
    # |loss| above this means the run has blown up (see Trainer's divergence check).
    explode_threshold = 1e3

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

    D: 1/2 mean((D(x) - 1)^2) + 1/2 mean(D(G(z))^2)
    G: 1/2 mean((D(G(z)) - 1)^2)

    Unlike the saturating log loss, the penalty keeps growing for fakes that D
    scores far from the real target, so G still gets gradient from samples
    that D classifies confidently.
    """

    name = "lsgan"
    explode_threshold = 1e2

    def d_loss_terms(self, real_logits, fake_logits):
        return 0.5 * ((real_logits - 1) ** 2).mean(), 0.5 * (fake_logits**2).mean()

    def g_loss(self, fake_logits):
        return 0.5 * ((fake_logits - 1) ** 2).mean()


class BCELoss(GANLoss):
    r"""The original GAN's cross-entropy, with the non-saturating generator loss.

    D: -mean(log sigmoid(D(x))) - mean(log(1 - sigmoid(D(G(z)))))
    G: -mean(log sigmoid(D(G(z))))   (Goodfellow et al. 2014, section 3)

    softplus(-t) = -log sigmoid(t) and softplus(t) = -log(1 - sigmoid(t)),
    computed from logits for numerical stability.
    """

    name = "bce"
    explode_threshold = 1e2

    def d_loss_terms(self, real_logits, fake_logits):
        return F.softplus(-real_logits).mean(), F.softplus(fake_logits).mean()

    def g_loss(self, fake_logits):
        return F.softplus(-fake_logits).mean()

    def d_output(self, logits):
        return torch.sigmoid(logits)


class WGANGPLoss(GANLoss):
    r"""Wasserstein loss with gradient penalty (Gulrajani et al. 2017).

    critic: mean(D(G(z))) - mean(D(x)) + lambda * mean((||grad D(x_hat)|| - 1)^2)
    G:      -mean(D(G(z)))

    x_hat are random interpolates between real and fake images; lambda = 10.
    """

    name = "wgan-gp"
    gradient_penalty_weight = 10.0
    explode_threshold = 1e5

    def d_loss_terms(self, real_logits, fake_logits):
        return -real_logits.mean(), fake_logits.mean()

    def g_loss(self, fake_logits):
        return -fake_logits.mean()


class HingeLoss(GANLoss):
    r"""Hinge loss (Lim & Ye 2017; used by SN-GAN and BigGAN).

    D: mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))
    G: -mean(D(G(z)))
    """

    name = "hinge"
    explode_threshold = 1e3

    def d_loss_terms(self, real_logits, fake_logits):
        return F.relu(1 - real_logits).mean(), F.relu(1 + fake_logits).mean()

    def g_loss(self, fake_logits):
        return -fake_logits.mean()


LOSSES = {cls.name: cls for cls in (LSGANLoss, BCELoss, WGANGPLoss, HingeLoss)}


def get_loss(name: str) -> GANLoss:
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None


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
