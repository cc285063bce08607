import { BarChart, DonutChart } from '@mantine/charts';
import { Stack, Text } from '@mantine/core';

/** Charts (recharts via Mantine), in their own chunk: pages render before them. */
export function ReadyDonut({ ready, total, label }: { ready: number; total: number; label: string }) {
  const data = [
    { name: 'ready', value: ready, color: 'teal.6' },
    { name: 'not ready', value: Math.max(0, total - ready), color: 'red.6' },
  ];
  return (
    <Stack gap={4} align="center" role="img" aria-label={`${label}: ${ready} of ${total} ready`}>
      <DonutChart data={data} size={110} thickness={16} withTooltip={false} chartLabel={`${ready}/${total}`} />
      <Text size="sm">{label}</Text>
    </Stack>
  );
}

export function Bars(props: {
  label: string;
  data: Record<string, string | number>[];
  dataKey: string;
  series: { name: string; color: string; label?: string }[];
  unit?: string;
  stacked?: boolean;
  height?: number;
}) {
  return (
    <div role="img" aria-label={props.label}>
      <BarChart
        h={props.height ?? 220}
        data={props.data}
        dataKey={props.dataKey}
        series={props.series}
        type={props.stacked ? 'stacked' : 'default'}
        unit={props.unit}
        withLegend
        tickLine="y"
      />
    </div>
  );
}

export default { ReadyDonut, Bars };
