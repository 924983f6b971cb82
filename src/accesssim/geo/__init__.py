"""The territory (communes, EPCIs, EDs), road travel times and the priority EPCIs."""
