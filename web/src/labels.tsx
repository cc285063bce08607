import { Button, Group, Paper, Stack, TextInput } from '@mantine/core';
import { FormMessage, useApiForm } from './form';

/**
 * Adds a label to, or removes it from, the selected clusters or nodes (only the system
 * administrator may: API.md §2, §5, §6). `field` is the body's name for the label, so a 422
 * about it lands on the input.
 */
export function LabelEditor({
  label,
  field,
  apply,
  done,
}: {
  /** What the input is for: "Label for 2 selected cluster(s)". */
  label: string;
  field: 'clusterLabel' | 'nodeLabel';
  apply: (value: string, how: 'add' | 'remove') => Promise<unknown>;
  done: () => void;
}) {
  const f = useApiForm<{ label: string }, unknown, 'add' | 'remove'>({
    initialValues: { label: '' },
    submit: (v, how) => apply(v.label, how),
    onSuccess: done,
    fieldNames: { [field]: 'label' },
    resetOnSuccess: true,
  });
  const empty = !f.form.values.label;
  return (
    <Paper withBorder p="sm" component="section" aria-label={label}>
      <Stack gap="xs">
        <Group align="flex-end">
          <TextInput label={label} {...f.form.getInputProps('label')} />
          <Button disabled={empty} loading={f.mutation.isPending} onClick={() => f.run('add')}>
            Add label
          </Button>
          <Button disabled={empty} variant="default" loading={f.mutation.isPending} onClick={() => f.run('remove')}>
            Remove label
          </Button>
        </Group>
        <FormMessage message={f.message} />
      </Stack>
    </Paper>
  );
}
