using System.Diagnostics;

namespace ConnectorHost.Plugins.Asana.Tests.Support;

/// <summary>Waits for a condition by polling it, with a generous deadline (never a fixed sleep).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var elapsed = Stopwatch.StartNew();
        var limit = deadline ?? TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (elapsed.Elapsed > limit)
            {
                Assert.Fail($"Timed out waiting for: {what}.");
            }

            await Task.Delay(10);
        }
    }
}
