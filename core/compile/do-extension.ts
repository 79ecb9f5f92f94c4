/**
 * `{% do expr %}`: evaluate an expression for its effect (`{% do items.append(x) %}`), output
 * nothing — Jinja's `do` extension, which dbt enables and Nunjucks lacks.
 */
export class DoExtension {
  readonly tags = ['do'];

  parse(parser: NunjucksParser, nodes: NunjucksNodes): unknown {
    const tag = parser.nextToken();
    const args = new nodes.NodeList(tag.lineno, tag.colno);
    args.addChild(parser.parseExpression());
    parser.advanceAfterBlockEnd(tag.value);
    return new nodes.CallExtension(this, 'run', args);
  }

  run(): string {
    return '';
  }
}

interface NunjucksParser {
  nextToken(): { lineno: number; colno: number; value: string };
  parseExpression(): unknown;
  advanceAfterBlockEnd(name: string): void;
}

interface NunjucksNodes {
  NodeList: new (lineno: number, colno: number) => { addChild(node: unknown): void };
  CallExtension: new (ext: unknown, method: string, args: unknown) => unknown;
}
