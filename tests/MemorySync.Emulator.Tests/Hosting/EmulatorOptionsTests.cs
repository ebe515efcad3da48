using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Tests.Hosting;

public sealed class EmulatorOptionsTests
{
    [Test]
    public void EffectiveApiKeys_WithoutKeys_IsTheDevelopmentKey()
    {
        new EmulatorOptions().EffectiveApiKeys.Should().Equal(EmulatorOptions.DevelopmentApiKey);
        new EmulatorOptions { ApiKeys = ["k1", "k2"] }.EffectiveApiKeys.Should().Equal("k1", "k2");
    }

    [Test]
    public void EffectiveLimits_CustomLimits_WinOverTheTier() =>
        new EmulatorOptions { Tier = EmulatorTier.Free, Limits = new RateLimits(1, 2, 3) }.EffectiveLimits
            .Should().Be(new RateLimits(1, 2, 3));

    [Test]
    public void Validate_InvalidOption_NamesIt()
    {
        new Action(() => new EmulatorOptions { MonthlyLimit = -1 }.Validate()).Should().Throw<ArgumentException>().WithMessage("*MonthlyLimit*");
        new Action(() => new EmulatorOptions { WebhookMaxAttempts = 0 }.Validate()).Should().Throw<ArgumentException>().WithMessage("*WebhookMaxAttempts*");
        new Action(() => new EmulatorOptions { Limits = new RateLimits(0, 1, 1) }.Validate()).Should().Throw<ArgumentException>();
        new Action(() => new EmulatorOptions { WebhookSignature = new WebhookSignatureOptions { Algorithm = "md5" } }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*algorithm*");
    }
}
