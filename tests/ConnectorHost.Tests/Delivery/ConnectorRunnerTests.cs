using ConnectorHost.Abstractions;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Delivery;
using ConnectorHost.Storage;
using ConnectorHost.Tests.Support;

namespace ConnectorHost.Tests.Delivery;

[Parallelizable(ParallelScope.All)]
public sealed class ConnectorRunnerTests
{
    [Test]
    public async Task RunAsync_FirstRun_DeliversEveryItemOnceAndCommitsTheLastCheckpoint()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange(Enumerable.Range(1, 23).Select(i => ListConnector.Item($"p{i}")));

        var report = await harness.RunAsync();

        report.Run.Outcome.Should().Be(RunOutcomes.Succeeded);
        report.Run.Added.Should().Be(23);
        harness.MemorySync.Live.Should().HaveCount(23);
        harness.MemorySync.Live.Select(m => m.NativeId).Should().OnlyHaveUniqueItems();
        (await harness.CursorAsync())!.Value.Should().Be("23");
        harness.Ledger("p7")!.MemoryIds.Should().ContainSingle();
    }

    [Test]
    public async Task RunAsync_SecondRunWithNothingChanged_SendsNothing()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange(Enumerable.Range(1, 12).Select(i => ListConnector.Item($"p{i}")));
        await harness.RunAsync();
        var requestsAfterFirst = harness.MemorySync.Requests.Count;

        var report = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        report.Run.Unchanged.Should().Be(12);
        report.Run.Added.Should().Be(0);
        harness.MemorySync.Requests.Should().HaveCount(requestsAfterFirst, "an unchanged item costs no request");
    }

    [Test]
    public async Task RunAsync_NewVersion_AddsTheNewMemoryThenForgetsTheOld()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(ListConnector.Item("a", "1"));
        await harness.RunAsync();
        var oldId = harness.Ledger("a")!.MemoryIds.Single();

        harness.Connector.Items[0] = ListConnector.Item("a", "2", text: "The page was rewritten with new content entirely.");
        var report = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        report.Run.Updated.Should().Be(1);
        var live = harness.MemorySync.LiveFor("a");
        live.Should().ContainSingle().Which.Text.Should().Contain("rewritten");
        harness.MemorySync.All.Single(m => m.Id == oldId).Deleted.Should().BeTrue();
        harness.Ledger("a")!.Version.Should().Be("2");
    }

    [Test]
    public async Task RunAsync_VersionChangedButTextSame_PatchesLabelsWithoutAddingAgain()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(ListConnector.Item("a", "1", text: "Identical body text across versions."));
        await harness.RunAsync();
        var bulkBefore = harness.MemorySync.BulkRequests;

        harness.Connector.Items[0] = ListConnector.Item("a", "2", text: "Identical body text across versions.");
        var report = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        report.Run.Relabeled.Should().Be(1);
        harness.MemorySync.BulkRequests.Should().Be(bulkBefore, "the text did not change, so nothing is added (deduplication would lose it)");
        harness.MemorySync.PatchRequests.Should().Be(1);
        harness.MemorySync.LiveFor("a").Should().ContainSingle().Which.Version.Should().Be("2");
        harness.Ledger("a")!.Version.Should().Be("2");
    }

    [Test]
    public async Task RunAsync_Delete_ForgetsTheMemoriesAndTheLedgerEntry()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange([ListConnector.Item("a"), ListConnector.Item("b")]);
        await harness.RunAsync();

        harness.Connector.Items.RemoveAt(0);
        harness.Connector.Deletes.AddRange(["a", "never-delivered"]);
        var report = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        report.Run.Deleted.Should().Be(1);
        harness.MemorySync.LiveFor("a").Should().BeEmpty();
        harness.MemorySync.LiveFor("b").Should().ContainSingle();
        harness.Ledger("a").Should().BeNull();
    }

    [Test]
    public async Task RunAsync_SkipOfADeliveredItem_ForgetsItAndRemembersTheFingerprint()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(ListConnector.Item("a"));
        await harness.RunAsync();

        harness.Connector.Items.Clear();
        harness.Connector.Listing = ["a"];
        harness.Connector.Skips.Add(new Skip("a", "draft", "fp-1"));
        var report = await harness.RunAsync(new RunRequest("manual", FullSync: true));

        report.Run.Skipped.Should().Be(1);
        report.Run.SkipReasons.Should().ContainSingle().Which.Should().Be("a: draft");
        harness.MemorySync.LiveFor("a").Should().BeEmpty();
        var entry = harness.Ledger("a")!;
        entry.State.Should().Be(LedgerState.Skipped);
        entry.Fingerprint.Should().Be("fp-1");
        (await new LedgerKnownItems(harness.Store, "wiki").FindAsync("a", CancellationToken.None))!.Version.Should().BeNull();
    }

    [Test]
    public async Task RunAsync_TextTooShortEvenWithTitle_SkipsWithAReasonAndSendsNothing()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(new SourceItem { NativeId = "t", Version = "1", Title = "", Text = "ok" });

        var report = await harness.RunAsync();

        report.Run.Skipped.Should().Be(1);
        report.Run.SkipReasons.Single().Should().Contain("shorter than 10 characters");
        harness.MemorySync.BulkRequests.Should().Be(0);
    }

    [Test]
    public async Task RunAsync_ShortBodyWithTitle_IsEnrichedByTheTitleAndDelivered()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(new SourceItem { NativeId = "t", Version = "1", Title = "Buy milk", Text = "today" });

        await harness.RunAsync();

        harness.MemorySync.LiveFor("t").Single().Text.Should().Be("Buy milk\n\ntoday");
    }

    [Test]
    public async Task RunAsync_ItemRefusedByMemorySync_IsDeadLetteredAndTheCursorStillMoves()
    {
        using var harness = new PipelineHarness();
        harness.MemorySync.RejectTextContaining = "POISON";
        harness.Connector.Items.AddRange([ListConnector.Item("a"), ListConnector.Item("b", text: "POISON content that the service refuses."), ListConnector.Item("c")]);

        var report = await harness.RunAsync();

        report.Run.Outcome.Should().Be(RunOutcomes.CompletedWithWarnings);
        report.Run.DeadLettered.Should().Be(1);
        harness.Store.DeadLetters("wiki").Should().ContainSingle().Which.Reason.Should().Contain("refused by test rule");
        harness.MemorySync.Live.Should().HaveCount(2);
        (await harness.CursorAsync())!.Value.Should().Be("3");
    }

    [Test]
    public async Task RetryDeadLettersAsync_AfterTheCauseIsFixed_DeliversThemAndClearsTheList()
    {
        using var harness = new PipelineHarness();
        harness.MemorySync.RejectTextContaining = "POISON";
        harness.Connector.Items.Add(ListConnector.Item("b", text: "POISON content that the service refuses."));
        await harness.RunAsync();

        harness.MemorySync.RejectTextContaining = null;
        var report = await harness.CreateRunner().RetryDeadLettersAsync(harness.Handle, CancellationToken.None);

        report.Retry!.Retried.Should().Be(1);
        harness.Store.DeadLetters("wiki").Should().BeEmpty();
        harness.MemorySync.LiveFor("b").Should().ContainSingle();
        harness.Ledger("b")!.Version.Should().Be("1");
    }

    [Test]
    public async Task RunAsync_TooLongText_IsDeadLetteredWithoutBeingSent()
    {
        using var harness = new PipelineHarness(delivery: new DeliveryOptions { MaxTextLength = 100 });
        harness.Connector.Items.Add(ListConnector.Item("big", text: new string('x', 500)));

        var report = await harness.RunAsync();

        report.Run.DeadLettered.Should().Be(1);
        harness.MemorySync.BulkRequests.Should().Be(0);
        harness.Store.DeadLetters("wiki").Single().Reason.Should().Contain("exceeds delivery.maxTextLength");
    }

    [Test]
    public async Task RunAsync_ServerErrorOnABatch_KeepsTheCursorBeforeItAndTheNextRunDeliversWithoutDuplicates()
    {
        using var harness = new PipelineHarness(delivery: new DeliveryOptions { BatchSize = 5, MaxConcurrentBatches = 1 });
        harness.Connector.CheckpointEvery = 5;
        harness.Connector.Items.AddRange(Enumerable.Range(1, 15).Select(i => ListConnector.Item($"p{i}")));
        var first = true;
        harness.MemorySync.BeforeBulkAdd = _ =>
        {
            // The second batch fails once, before the service processes it.
            if (harness.MemorySync.BulkRequests == 2 && first)
            {
                first = false;
                harness.MemorySync.FailNextBulk(new MemorySyncServerException("503 Service Unavailable") { StatusCode = 503 });
            }

            return Task.CompletedTask;
        };

        var failed = await harness.RunAsync();

        failed.Run.Outcome.Should().Be(RunOutcomes.Failed);
        failed.Run.Error.Should().Contain("503");
        (await harness.CursorAsync())!.Value.Should().Be("5", "only the first batch was acknowledged");
        harness.Store.PendingIntentCount("wiki").Should().Be(1, "the failed request stays in the outbox");

        var second = await harness.RunAsync();

        second.Run.Outcome.Should().Be(RunOutcomes.Succeeded);
        harness.MemorySync.Live.Should().HaveCount(15);
        harness.MemorySync.Live.Select(m => m.NativeId).Should().OnlyHaveUniqueItems();
        (await harness.CursorAsync())!.Value.Should().Be("15");
        harness.Store.PendingIntentCount("wiki").Should().Be(0);
    }

    [Test]
    public async Task RunAsync_AnswerLostAfterTheServiceStoredTheBatch_ReplaysTheSameKeyAndStoresNothingTwice()
    {
        using var harness = new PipelineHarness(delivery: new DeliveryOptions { BatchSize = 10 });
        harness.Connector.Items.AddRange(Enumerable.Range(1, 10).Select(i => ListConnector.Item($"p{i}")));
        harness.MemorySync.FailNextBulk(new MemorySyncNetworkException("connection reset"), afterProcessing: true);

        var failed = await harness.RunAsync();
        failed.Run.Outcome.Should().Be(RunOutcomes.Failed);
        harness.MemorySync.Live.Should().HaveCount(10, "the service stored the batch; only its answer was lost");
        var key = harness.Store.PendingIntents("wiki").Single().IdempotencyKey;

        harness.Restart();
        var second = await harness.RunAsync();

        second.Run.Outcome.Should().Be(RunOutcomes.Succeeded);
        harness.MemorySync.Requests.Where(r => r.StartsWith("bulk", StringComparison.Ordinal)).Should().HaveCount(2)
            .And.AllSatisfy(r => r.Should().Be("bulk " + key));
        harness.MemorySync.All.Should().HaveCount(10, "the replay of the same key stored nothing new");
        harness.Ledger("p3")!.MemoryIds.Should().ContainSingle();
    }

    [Test]
    public async Task RunAsync_CheckpointAfterASlowBatch_IsNotCommittedBeforeThatBatchIsAcknowledged()
    {
        using var harness = new PipelineHarness(delivery: new DeliveryOptions { BatchSize = 2, MaxConcurrentBatches = 4, Linger = TimeSpan.Zero });
        harness.Connector.CheckpointEvery = 2;
        harness.Connector.Items.AddRange(Enumerable.Range(1, 6).Select(i => ListConnector.Item($"p{i}")));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstKey = (string?)null;
        harness.MemorySync.BeforeBulkAdd = async key =>
        {
            if (Interlocked.CompareExchange(ref firstKey, key, null) is null)
            {
                await release.Task;
            }
        };

        var run = harness.RunAsync();
        await Testing.Eventually.TrueAsync(() => harness.MemorySync.BulkRequests >= 3, "the later batches were sent");
        (await harness.CursorAsync()).Should().BeNull("the first batch is still unacknowledged");

        release.SetResult();
        var report = await run;

        report.Run.Outcome.Should().Be(RunOutcomes.Succeeded);
        (await harness.CursorAsync())!.Value.Should().Be("6");
    }

    [Test]
    public async Task RunAsync_QuotaSilentAnswer_FailsTheRunKeepsTheCursorAndTheNextRunUsesANewKey()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange([ListConnector.Item("a"), ListConnector.Item("b")]);
        harness.MemorySync.QuotaSilent = true;

        var failed = await harness.RunAsync();

        failed.Run.Outcome.Should().Be(RunOutcomes.Failed);
        failed.Run.Error.Should().Contain("quota");
        (await harness.CursorAsync()).Should().BeNull();
        harness.Store.PendingIntentCount("wiki").Should().Be(0, "nothing was stored, so nothing is replayed under that key");

        harness.MemorySync.QuotaSilent = false;
        var second = await harness.RunAsync();

        second.Run.Added.Should().Be(2);
        harness.MemorySync.Requests.Distinct().Should().HaveCount(harness.MemorySync.Requests.Count);
    }

    [Test]
    public async Task RunAsync_RateLimitBeyondTheClientsWait_EndsRateLimitedWithTheCursorKeptAndBacksOff()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(ListConnector.Item("a"));
        harness.MemorySync.FailNextBulk(new MemorySyncRateLimitException("rate limited") { StatusCode = 429, RetryAfter = TimeSpan.FromMinutes(10) });

        var report = await harness.RunAsync();

        report.Run.Outcome.Should().Be(RunOutcomes.RateLimited);
        report.RetryAfter.Should().Be(TimeSpan.FromMinutes(10));
        (await harness.CursorAsync()).Should().BeNull();
        var state = harness.History.GetState("wiki");
        state.ConsecutiveFailures.Should().Be(1);
        DateTimeOffset.FromUnixTimeMilliseconds(state.BackoffUntil!.Value).Should().BeAfter(TimeProvider.System.GetUtcNow().AddMinutes(9));

        var next = await harness.RunAsync();
        next.Run.Outcome.Should().Be(RunOutcomes.Succeeded);
        harness.MemorySync.LiveFor("a").Should().ContainSingle();
        harness.History.GetState("wiki").ConsecutiveFailures.Should().Be(0);
    }

    [Test]
    public async Task RunAsync_DryRun_SendsAndRecordsNothingButCountsWhatItWouldDo()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange([ListConnector.Item("a"), ListConnector.Item("b")]);
        await harness.RunAsync();
        harness.Connector.Items[0] = ListConnector.Item("a", "2", text: "A changed text for page a, long enough.");
        harness.Connector.Items.Add(ListConnector.Item("c"));
        var requests = harness.MemorySync.Requests.Count;
        var cursor = await harness.CursorAsync();

        var report = await harness.RunAsync(new RunRequest("manual", FullSync: true, DryRun: true));

        report.Run.Added.Should().Be(1);
        report.Run.Updated.Should().Be(1);
        report.Run.Unchanged.Should().Be(1);
        harness.MemorySync.Requests.Should().HaveCount(requests);
        (await harness.CursorAsync())!.Revision.Should().Be(cursor!.Revision);
        harness.Ledger("c").Should().BeNull();
    }

    [Test]
    public async Task RunAsync_ItemsGoneFromTheListing_ArePruned()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange(Enumerable.Range(1, 10).Select(i => ListConnector.Item($"p{i}")));
        await harness.RunAsync();

        harness.Connector.Items.RemoveAt(0);
        var report = await harness.RunAsync();

        report.Run.Pruned.Should().Be(1);
        harness.MemorySync.LiveFor("p1").Should().BeEmpty();
        harness.MemorySync.Live.Should().HaveCount(9);
        harness.Ledger("p1").Should().BeNull();
    }

    [Test]
    public async Task RunAsync_PruneBeyondTheShareLimit_IsRefusedUnlessAllowed()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange(Enumerable.Range(1, 40).Select(i => ListConnector.Item($"p{i}")));
        await harness.RunAsync();
        harness.Connector.Listing = [.. Enumerable.Range(1, 20).Select(i => $"p{i}")];

        var refused = await harness.RunAsync();

        refused.Run.Outcome.Should().Be(RunOutcomes.CompletedWithWarnings);
        refused.Prune!.Refused.Should().BeTrue();
        refused.Run.PruneNote.Should().Contain("--allow-mass-delete");
        harness.MemorySync.Live.Should().HaveCount(40);

        var dryRun = await harness.RunAsync(new RunRequest("manual", DryRun: true, AllowMassDelete: true));
        dryRun.Prune!.Vanished.Should().Be(20);
        harness.MemorySync.Live.Should().HaveCount(40);

        var allowed = await harness.RunAsync(new RunRequest("manual", AllowMassDelete: true));
        allowed.Run.Pruned.Should().Be(20);
        harness.MemorySync.Live.Should().HaveCount(20);
    }

    [Test]
    public async Task RunAsync_SkippedItemsLeftOutOfTheListing_AreNeitherPrunedNorCountedByTheGuard()
    {
        // As the listing contract asks: the listing has the deliverable items only, not the skipped ones.
        using var harness = new PipelineHarness();
        harness.Connector.Items.AddRange(Enumerable.Range(1, 4).Select(i => ListConnector.Item($"p{i}")));
        harness.Connector.Skips.AddRange(Enumerable.Range(1, 30).Select(i => new Skip($"s{i}", "completed", $"fp-s{i}")));
        harness.Connector.Listing = [.. Enumerable.Range(1, 4).Select(i => $"p{i}")];

        var first = await harness.RunAsync();

        first.Prune.Should().NotBeNull("the connector prunes on every run");
        first.Prune!.Refused.Should().BeFalse("thirty skipped items are not thirty deletions");
        first.Run.Pruned.Should().Be(0);
        harness.Ledger("s1")!.Fingerprint.Should().Be("fp-s1", "the skip is remembered, so the item is not read again");

        harness.Connector.Items.RemoveAt(0);
        harness.Connector.Listing.Remove("p1");
        var second = await harness.RunAsync();

        second.Run.Pruned.Should().Be(1, "only the delivered item that vanished is pruned");
        harness.MemorySync.LiveFor("p1").Should().BeEmpty();
        harness.Ledger("s30")!.State.Should().Be(LedgerState.Skipped);
    }

    [Test]
    public async Task RunAsync_ConnectorThrowsMidStream_FailsWithTheReasonAndCommitsOnlyUpToTheLastCheckpoint()
    {
        using var harness = new PipelineHarness();
        harness.Connector.CheckpointEvery = 4;
        harness.Connector.FailAfter = 6;
        harness.Connector.Items.AddRange(Enumerable.Range(1, 10).Select(i => ListConnector.Item($"p{i}")));

        var report = await harness.RunAsync();

        report.Run.Outcome.Should().Be(RunOutcomes.Failed);
        report.Run.Error.Should().Contain("source failed after 6 changes");
        (await harness.CursorAsync())!.Value.Should().Be("4");
        harness.History.GetState("wiki").ConsecutiveFailures.Should().Be(1);

        harness.Connector.FailAfter = null;
        var next = await harness.RunAsync();
        next.Run.Outcome.Should().Be(RunOutcomes.Succeeded);
        harness.Connector.Requests.Last().Cursor.Should().Be("4");
        harness.MemorySync.Live.Should().HaveCount(10);
        harness.MemorySync.Live.Select(m => m.NativeId).Should().OnlyHaveUniqueItems();
    }

    [Test]
    public async Task RunAsync_ConnectorIgnoresCancellation_IsAbandonedAfterTheGracePeriodAndTheLeaseIsReleased()
    {
        using var harness = new PipelineHarness(runner: new RunnerOptions { GracePeriod = TimeSpan.FromMilliseconds(300) });
        harness.Connector.HangAfter = 1;
        harness.Connector.Items.AddRange([ListConnector.Item("a"), ListConnector.Item("b")]);
        using var stop = new CancellationTokenSource();

        var run = harness.RunAsync(stop: stop.Token);
        await harness.Connector.Hanging.Task;
        await stop.CancelAsync();
        var report = await run;

        report.Run.Outcome.Should().Be(RunOutcomes.Abandoned);
        report.Run.Error.Should().Contain("did not stop");
        harness.Leases.IsHeld("wiki").Should().BeFalse();
        (await harness.CursorAsync()).Should().BeNull();
    }

    [Test]
    public async Task RunAsync_StoppedWhileABatchIsInFlight_LetsItFinishAndCommitsNothingBeyondIt()
    {
        using var harness = new PipelineHarness(delivery: new DeliveryOptions { BatchSize = 2, MaxConcurrentBatches = 1, Linger = TimeSpan.Zero });
        harness.Connector.CheckpointEvery = 2;
        harness.Connector.Items.AddRange(Enumerable.Range(1, 8).Select(i => ListConnector.Item($"p{i}")));
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checkpointTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.MemorySync.BeforeBulkAdd = async _ =>
        {
            if (harness.MemorySync.BulkRequests == 2)
            {
                inFlight.TrySetResult();
                await release.Task;
            }
        };
        harness.Connector.CheckpointTaken = cursor =>
        {
            if (cursor == "4")
            {
                checkpointTaken.TrySetResult();
            }
        };
        using var stop = new CancellationTokenSource();

        var run = harness.RunAsync(stop: stop.Token);
        // Stop only once batch 2 is in flight and the reader holds the checkpoint that follows it.
        await Task.WhenAll(inFlight.Task, checkpointTaken.Task);
        await stop.CancelAsync();
        release.SetResult();
        var report = await run;

        report.Run.Outcome.Should().Be(RunOutcomes.Cancelled);
        (await harness.CursorAsync())!.Value.Should().Be("4", "the in-flight batch finished and its checkpoint committed; nothing after it");
        harness.MemorySync.Live.Should().HaveCount(4);
    }

    [Test]
    public async Task RunAsync_TwoVersionsOfOneItemInOneRun_EndWithOnlyTheLatestLive()
    {
        using var harness = new PipelineHarness(delivery: new DeliveryOptions { BatchSize = 50 });
        harness.Connector.Items.AddRange([
            ListConnector.Item("a", "1", text: "First version of the page a."),
            ListConnector.Item("b"),
            ListConnector.Item("a", "2", text: "Second version of the page a."),
        ]);

        await harness.RunAsync();

        harness.MemorySync.LiveFor("a").Should().ContainSingle().Which.Text.Should().Contain("Second version");
        harness.Ledger("a")!.Version.Should().Be("2");
    }

    [Test]
    public async Task RunAsync_WhileTheSameConnectorRuns_ReportsBusy()
    {
        using var harness = new PipelineHarness();
        harness.Connector.HangAfter = 0;
        harness.Connector.Items.Add(ListConnector.Item("a"));
        using var stop = new CancellationTokenSource();
        var run = harness.RunAsync(stop: stop.Token);
        await harness.Connector.Hanging.Task;

        var second = await harness.RunAsync();

        second.IsBusy.Should().BeTrue();
        second.Run.Error.Should().Be("connector wiki is running; try again or stop the service");
        await stop.CancelAsync();
        await run;
    }

    [Test]
    public async Task RunAsync_FingerprintOnlyChange_UpdatesTheLedgerWithoutARequest()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(ListConnector.Item("a") with { Fingerprint = "size=10;mtime=1" });
        await harness.RunAsync();
        var requests = harness.MemorySync.Requests.Count;

        harness.Connector.Items[0] = harness.Connector.Items[0] with { Fingerprint = "size=10;mtime=2" };
        await harness.RunAsync(new RunRequest("manual", FullSync: true));

        harness.MemorySync.Requests.Should().HaveCount(requests);
        harness.Ledger("a")!.Fingerprint.Should().Be("size=10;mtime=2");
    }

    [Test]
    public async Task RunAsync_LabelChangeOfAMemoryDeletedOutOfBand_SendsTheItemAgain()
    {
        using var harness = new PipelineHarness();
        harness.Connector.Items.Add(ListConnector.Item("a", "1", text: "Same text in both versions of a."));
        await harness.RunAsync();
        await harness.MemorySync.ForgetAsync("user-1", harness.Ledger("a")!.MemoryIds, CancellationToken.None);

        harness.Connector.Items[0] = ListConnector.Item("a", "2", text: "Same text in both versions of a.");
        await harness.RunAsync(new RunRequest("manual", FullSync: true));

        harness.MemorySync.LiveFor("a").Should().ContainSingle();
        harness.Ledger("a")!.Version.Should().Be("2");
    }

    [Test]
    public async Task RunAsync_ConnectorRequestsPruning_PrunesEvenBeforeTheInterval()
    {
        using var harness = new PipelineHarness();
        harness.Connector.PruneInterval = TimeSpan.FromDays(30);
        harness.Connector.Items.AddRange(Enumerable.Range(1, 10).Select(i => ListConnector.Item($"p{i}")));
        await harness.RunAsync();
        harness.Connector.Items.RemoveAt(0);

        var notDue = await harness.RunAsync();
        notDue.Prune.Should().BeNull("the interval has not passed");

        harness.Connector.RequestPruningReason = "change feed expired";
        var requested = await harness.RunAsync();
        requested.Run.Pruned.Should().Be(1);
    }
}
