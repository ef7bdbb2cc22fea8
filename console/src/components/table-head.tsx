/** A table's header row: one column header per name, and an unlabelled (screen-reader-only) actions column. */
export function TableHead({ columns, actions = false }: { columns: readonly string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={column}>
            {column}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** Whether a source or destination is on. */
export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return enabled ? <span className="badge ok">enabled</span> : <span className="badge off">disabled</span>;
}
