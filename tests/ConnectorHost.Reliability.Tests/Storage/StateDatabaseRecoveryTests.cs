using System.Security.Cryptography;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Storage;

/// <summary>
/// A damaged state database at start: the host refuses with the file's name and the documented recovery, and never
/// starts afresh (which would send every item again).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class StateDatabaseRecoveryTests
{
    private const string Connector = Sources.Connector;

    public enum Damage
    {
        /// <summary>The header page overwritten with noise.</summary>
        HeaderNoise,

        /// <summary>The file cut to half its length, mid-page.</summary>
        Truncated,

        /// <summary>The file replaced by text (a restore from the wrong backup).</summary>
        NotADatabase,

        /// <summary>Every page after the header overwritten with noise.</summary>
        PagesNoise,
    }

    [TestCase(Damage.HeaderNoise)]
    [TestCase(Damage.Truncated)]
    [TestCase(Damage.NotADatabase)]
    [TestCase(Damage.PagesNoise)]
    public async Task Start_CorruptStateDatabase_RefusesNamingTheFileAndTheRecoveryAndSendsNothing(Damage damage)
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 100);
        (await appliance.RunAsync("sync", Connector)).ExitCode.Should().Be(0);
        var database = Path.Combine(appliance.Fixture.DataDirectory, "connector-host.db");
        File.Exists(database).Should().BeTrue();
        Corrupt(database, damage);
        var damaged = Hash(database);
        var requestsBefore = (await appliance.Emulator.Admin.GetRequestsAsync()).Count;

        foreach (var args in new[] { new[] { "sync", Connector }, ["run"], ["status"] })
        {
            var result = await appliance.RunAsync(args, timeout: TimeSpan.FromMinutes(1));

            TestContext.Out.WriteLine($"{string.Join(' ', args)} with {damage}: {result}");
            result.ExitCode.Should().Be(1, "{0}", result);
            result.Error.Should().Contain(database).And.Contain("will not start from an empty state")
                .And.Contain("restore it from a backup").And.Contain("Recovering the state database");
        }

        if (damage != Damage.PagesNoise)
        {
            // Known limit: a file with a sound header is opened by LiteDB, which may rewrite part of it before it fails.
            Hash(database).Should().Equal(damaged, "the damaged file is left as it was, for the operator to inspect");
        }

        (await appliance.Emulator.Admin.GetRequestsAsync()).Count.Should().Be(requestsBefore, "nothing is sent again");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    private static void Corrupt(string path, Damage damage)
    {
        var bytes = File.ReadAllBytes(path);
        var noise = new Random(42);
        switch (damage)
        {
            case Damage.HeaderNoise:
                noise.NextBytes(bytes.AsSpan(0, Math.Min(8192, bytes.Length)));
                File.WriteAllBytes(path, bytes);
                break;
            case Damage.Truncated:
                File.WriteAllBytes(path, bytes.AsSpan(0, (bytes.Length / 2) + 100).ToArray());
                break;
            case Damage.NotADatabase:
                File.WriteAllText(path, "this is not a LiteDB file\n");
                break;
            case Damage.PagesNoise:
                noise.NextBytes(bytes.AsSpan(8192));
                File.WriteAllBytes(path, bytes);
                break;
        }
    }

    private static byte[] Hash(string path) => SHA256.HashData(File.ReadAllBytes(path));
}
