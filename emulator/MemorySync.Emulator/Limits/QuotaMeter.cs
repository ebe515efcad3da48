namespace MemorySync.Emulator.Limits;

/// <summary>Memories stored in the current calendar month (UTC), for the monthly quota.</summary>
internal sealed class QuotaMeter(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private int _month;
    private long _used;

    public long Used
    {
        get
        {
            lock (_gate)
            {
                Roll();
                return _used;
            }
        }
    }

    public void Add(long memories, DateTimeOffset createdAt)
    {
        lock (_gate)
        {
            Roll();
            if (MonthOf(createdAt) == _month)
            {
                _used += memories;
            }
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _used = 0;
        }
    }

    private static int MonthOf(DateTimeOffset time) => (time.UtcDateTime.Year * 12) + time.UtcDateTime.Month;

    private void Roll()
    {
        var month = MonthOf(timeProvider.GetUtcNow());
        if (month != _month)
        {
            _month = month;
            _used = 0;
        }
    }
}
