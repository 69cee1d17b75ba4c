// Tiles every fa.attention over (Nq, Dv) by (4, 8) with scf.for, then
// decomposes each tile through AggregatedOpInterface.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(
      %root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %a tile_sizes [0, 0, 4, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op,
                                  !transform.any_op)
    %d = transform.structured.decompose_interface %t
        : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
