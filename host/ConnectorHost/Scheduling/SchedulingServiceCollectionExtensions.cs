using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace ConnectorHost.Scheduling;

internal static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Quartz with one job and one cron trigger per scheduled connector, started and stopped with the host (waiting for
    /// runs in progress to wind down on shutdown). The job's own dependencies (registry, runner, history) are the
    /// caller's to register.
    /// </summary>
    public static IServiceCollection AddConnectorScheduling(this IServiceCollection services, IEnumerable<ConnectorSchedule> schedules)
    {
        var list = schedules.ToList();
        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = "connector-host");
            foreach (var schedule in list)
            {
                var key = new JobKey(schedule.Connector, ConnectorJob.Group);
                quartz.ScheduleJob<ConnectorJob>(
                    trigger => trigger
                        .WithIdentity(schedule.Connector, ConnectorJob.Group)
                        .WithCronSchedule(schedule.Cron, cron => cron
                            .InTimeZone(schedule.TimeZone)
                            .WithMisfireInstruction(schedule.FireNowOnMisfire
                                ? CronTriggerMisfireInstruction.FireAndProceed
                                : CronTriggerMisfireInstruction.DoNothing)),
                    job => job.WithIdentity(key).DisallowConcurrentExecution());
                if (schedule.RunOnStartup)
                {
                    quartz.RunAtStartup(key);
                }
            }
        });
        services.AddQuartzHostedService(options =>
        {
            options.WaitForJobsToComplete = true;
            options.AwaitApplicationStarted = true;
        });
        return services;
    }
}
