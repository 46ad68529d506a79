import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA_DIR, loadTemplates, type Resource } from '../support/cloudformation';

/**
 * The alarms an operator is mailed, read from monitoring.yaml: each watches a metric that exists
 * under the name and dimensions it is published with (for the instances', what the CloudWatch
 * agent configured by bootstrap.sh publishes), mails the topic, and is on the dashboard.
 */

const monitoring = loadTemplates().find((t) => t.file === 'monitoring.yaml')?.template;
if (!monitoring) throw new Error('infra/monitoring.yaml is missing');
const alarms = Object.entries(monitoring.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
const props = (r: Resource) => r.Properties ?? {};

/** The CloudWatch agent's configuration, as bootstrap.sh writes it (its heredoc, ${...} escapes undone). */
function agentConfig() {
  const script = readFileSync(join(INFRA_DIR, 'bootstrap.sh'), 'utf8');
  const heredoc = /cat >"\$config" <<EOF\n([\s\S]*?)\nEOF\n/.exec(script)?.[1];
  if (!heredoc) throw new Error('bootstrap.sh no longer writes the agent configuration as a heredoc');
  return JSON.parse(heredoc.replaceAll('\\$', '$').replace(/\$[A-Z_]+/g, 'x')) as {
    metrics: {
      namespace: string;
      aggregation_dimensions: string[][];
      metrics_collected: Record<string, { measurement: string[]; resources?: string[] }>;
    };
  };
}

describe('alarms', () => {
  test.each([
    ['AWS/RDS', 'FreeableMemory'],
    ['AWS/RDS', 'CPUCreditBalance'],
    ['AWS/RDS', 'DatabaseConnections'],
    ['AWS/ApplicationELB', 'TargetConnectionErrorCount'],
    ['CWAgent', 'mem_used_percent'],
    ['CWAgent', 'disk_used_percent'],
    ['AWS/SNS', 'NumberOfNotificationsFailed'],
  ])('one watches %s %s', (namespace, metric) => {
    const watching = alarms.filter(([, r]) => props(r).Namespace === namespace && props(r).MetricName === metric);
    expect(watching.map(([id]) => id)).toHaveLength(1);
  });

  test('every alarm mails the topic when it fires and when it clears', () => {
    for (const [id, alarm] of alarms) {
      expect({ id, actions: props(alarm).AlarmActions }).toEqual({ id, actions: [{ Ref: 'AlarmTopic' }] });
      expect({ id, actions: props(alarm).OKActions }).toEqual({ id, actions: [{ Ref: 'AlarmTopic' }] });
    }
  });

  test("the instances' alarms read what the agent publishes: its namespace, metric names, group dimension", () => {
    const { metrics } = agentConfig();
    const published = Object.entries(metrics.metrics_collected).flatMap(([plugin, { measurement }]) =>
      // The agent names a metric <plugin>_<measurement> unless the measurement already starts with it.
      measurement.map((m) => (m.startsWith(`${plugin}_`) ? m : `${plugin}_${m}`)),
    );
    expect(metrics.aggregation_dimensions).toContainEqual(['AutoScalingGroupName']);
    expect(metrics.metrics_collected.disk?.resources).toEqual(['/']);
    const agentAlarms = alarms.filter(([, r]) => props(r).Namespace === 'CWAgent');
    expect(agentAlarms.length).toBeGreaterThan(0);
    for (const [, alarm] of agentAlarms) {
      expect(props(alarm).Namespace).toBe(metrics.namespace);
      expect(published).toContain(props(alarm).MetricName as string);
      expect((props(alarm).Dimensions as { Name: string }[]).map((d) => d.Name)).toEqual(['AutoScalingGroupName']);
    }
  });
});

describe('the dashboard', () => {
  const sub = props(monitoring.Resources.Dashboard as Resource).DashboardBody as { 'Fn::Sub': [string, unknown] };
  const body = sub['Fn::Sub'][0];

  test('is JSON once CloudFormation has filled in its names', () => {
    const widgets = (JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')) as { widgets: unknown[] }).widgets;
    expect(widgets.length).toBeGreaterThan(10);
  });

  test('shows every alarm', () => {
    for (const [id] of alarms) expect({ id, shown: body.includes(`\${${id}.Arn}`) }).toEqual({ id, shown: true });
  });
});
