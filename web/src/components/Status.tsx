// Loading and error states: errors are always shown in words, never as a blank page.
export function Loading({ what }: { what: string }) {
  return <div className="loading" role="status">Loading {what}…</div>;
}

export function ErrorBox({ message }: { message: string }) {
  return <div className="error" role="alert" data-testid="error">{message}</div>;
}
